import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';

import { DataSource } from '../datasource';
import { fakeBackendSrv, FakeTemplateSrv, instanceSettings, ResourceAnswer } from '../test-utils/fakes';
import { renderQueryEditor } from '../test-utils/renderQueryEditor';
import { RoiQuery } from '../types';

// Icons that keep their title and click handler, for the pickers' "Clear value".
jest.mock('react-inlinesvg', () => jest.requireActual('../test-utils/inlineSvg'));

const MODELS: ResourceAnswer = { status: 200, data: { models: ['mistral-3-bf16', 'mistral-3-int4'], warnings: null } };
const SCENARIOS: ResourceAnswer = { status: 200, data: { scenarios: ['chat', 'summarization'], warnings: null } };
const NAMESPACES: ResourceAnswer = { status: 200, data: { namespaces: ['llm', 'llm-serving'], warnings: null } };

/** Renders the editor the way a panel does: onChange feeds the new query back in. */
function renderEditor(
  initial: RoiQuery,
  answers: Record<string, ResourceAnswer> = { models: MODELS, scenarios: SCENARIOS, namespaces: NAMESPACES }
) {
  const { fetch, srv } = fakeBackendSrv(answers);
  setBackendSrv(srv);
  const { onChange, onRunQuery } = renderQueryEditor(initial, new DataSource(instanceSettings()));
  const last = (): RoiQuery => onChange.mock.lastCall[0];
  return { fetch, onChange, onRunQuery, last };
}

async function pick(label: string, option: string | RegExp) {
  await userEvent.click(screen.getByLabelText(label));
  await userEvent.click(await screen.findByRole('option', { name: option, hidden: true }));
}

beforeEach(() => {
  setTemplateSrv(new FakeTemplateSrv({ model: ['a', 'b'], target_load: '20' }));
});

describe('QueryEditor', () => {
  it('renders the breaking-points editor for the default query', () => {
    renderEditor({ refId: 'A', queryType: 'breakingPoints', models: [], scenarios: [], latestOnly: false });
    expect(screen.getByLabelText('Query type')).toHaveValue('Breaking points');
    expect(screen.getByLabelText('Models')).toBeInTheDocument();
    expect(screen.getByLabelText('Scenarios')).toBeInTheDocument();
    expect(screen.getByLabelText('Latest only')).not.toBeChecked();
    expect(screen.queryByLabelText('Target load')).not.toBeInTheDocument();
  });

  it('offers the models from GET /models and template variables, and runs the query on a pick', async () => {
    const { fetch, last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'runs', models: [], scenarios: [] });
    await userEvent.click(screen.getByLabelText('Models'));
    const options = await screen.findAllByRole('option', { hidden: true });
    expect(options.map((o) => o.textContent)).toEqual([
      'mistral-3-bf16',
      'mistral-3-int4',
      '$modelTemplate variable',
      '$target_loadTemplate variable',
    ]);
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({ url: '/api/datasources/uid/roi-test-uid/resources/models' })
    );
    await userEvent.click(screen.getByRole('option', { name: 'mistral-3-int4', hidden: true }));
    expect(last()).toEqual({ refId: 'A', queryType: 'runs', models: ['mistral-3-int4'], scenarios: [] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('picks scenarios from GET /scenarios and switches latestOnly', async () => {
    const { last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'curves', models: ['$model'], scenarios: [] });
    await pick('Scenarios', 'summarization');
    expect(last().scenarios).toEqual(['summarization']);
    await userEvent.click(screen.getByLabelText('Latest only'));
    expect(last()).toEqual({
      refId: 'A',
      queryType: 'curves',
      models: ['$model'],
      scenarios: ['summarization'],
      latestOnly: true,
    });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('says why the models could not be loaded and still takes a typed name', async () => {
    const { last } = renderEditor(
      { refId: 'A', queryType: 'breakingPoints', models: [], scenarios: [] },
      { models: { status: 502, data: { error: 'results store: connection refused' } } }
    );
    await userEvent.click(screen.getByLabelText('Models'));
    expect(
      await screen.findByText('Could not load the models (results store: connection refused); type names instead')
    ).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Models'), 'granite-8b');
    await userEvent.click(await screen.findByRole('option', { name: /granite-8b/, hidden: true }));
    expect(last().models).toEqual(['granite-8b']);
  });

  it('shows the warnings the backend sends with the names', async () => {
    renderEditor(
      { refId: 'A', queryType: 'status', models: [] },
      { models: { status: 200, data: { models: ['a'], warnings: ['prometheus: 403 Forbidden'] } } }
    );
    await userEvent.click(screen.getByLabelText('Models'));
    expect(await screen.findByText('prometheus: 403 Forbidden')).toBeInTheDocument();
  });

  it('edits targetLoad of roi as a number, or keeps a variable for interpolation', async () => {
    const { last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'roi', models: [], scenarios: [] });
    const input = screen.getByLabelText('Target load');
    await userEvent.type(input, '12.5');
    expect(last()).toEqual({ refId: 'A', queryType: 'roi', models: [], scenarios: [], targetLoad: 12.5 });
    expect(onRunQuery).not.toHaveBeenCalled();
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await userEvent.clear(input);
    expect(last()).not.toHaveProperty('targetLoad');
    await userEvent.type(input, '$target_load');
    expect(last().targetLoad).toBe('$target_load');
    expect(screen.queryByText('A positive number or a template variable')).not.toBeInTheDocument();

    await userEvent.clear(input);
    await userEvent.type(input, '-3');
    expect(screen.getByText('A positive number or a template variable')).toBeInTheDocument();
  });

  it('edits a trend query: models, scenarios and the series, without latestOnly', async () => {
    const { last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'trend', models: [], scenarios: [] });
    expect(screen.getByLabelText('Query type')).toHaveValue('Capacity over time');
    expect(screen.queryByLabelText('Latest only')).not.toBeInTheDocument();
    await pick('Series', /^Change vs previous run/);
    expect(last()).toEqual({ refId: 'A', queryType: 'trend', models: [], scenarios: [], trendMetrics: ['change_pct'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('switches from roi to trend, keeping the filters only', async () => {
    const { last } = renderEditor({
      refId: 'A',
      queryType: 'roi',
      models: ['m1'],
      scenarios: ['chat'],
      latestOnly: true,
      targetLoad: 20,
    });
    await pick('Query type', /^Capacity over time/);
    expect(last()).toEqual({ refId: 'A', queryType: 'trend', models: ['m1'], scenarios: ['chat'] });
  });

  it('edits a live metric query: metric, namespace, models and legend', async () => {
    const { fetch, last, onRunQuery } = renderEditor({
      refId: 'B',
      queryType: 'metrics',
      metric: 'ttft_p95',
      models: [],
    });
    expect(screen.getByLabelText('Metric')).toHaveValue('TTFT p95');

    await userEvent.click(screen.getByLabelText('Metric'));
    expect(
      await screen.findByRole('option', { name: /KV cache usage.*percent unit/, hidden: true })
    ).toBeInTheDocument();
    // Typing replaces the shown label, as when a user selects it and types over it.
    await userEvent.type(screen.getByLabelText('Metric'), 'power', {
      initialSelectionStart: 0,
      initialSelectionEnd: 8,
    });
    await userEvent.click(await screen.findByRole('option', { name: /GPU power.*\(W\)/, hidden: true }));
    expect(last().metric).toBe('gpu_power_watts');
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await pick('Namespace', 'llm');
    expect(onRunQuery).toHaveBeenCalledTimes(2);
    await pick('Models', 'mistral-3-bf16');
    expect(fetch).toHaveBeenLastCalledWith(expect.objectContaining({ params: { namespace: 'llm' } }));

    await userEvent.click(screen.getByLabelText('Legend'));
    await userEvent.paste('{{model}} GPUs');
    expect(last()).toEqual({
      refId: 'B',
      queryType: 'metrics',
      metric: 'gpu_power_watts',
      namespace: 'llm',
      models: ['mistral-3-bf16'],
      legendFormat: '{{model}} GPUs',
    });
  });

  it('edits an efficiency query: namespace, models and the instant switch', async () => {
    const { last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'efficiency', models: [], instant: false });
    await userEvent.click(screen.getByLabelText('Instant'));
    expect(last()).toEqual({ refId: 'A', queryType: 'efficiency', models: [], instant: true });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByLabelText('Namespace')).toBeInTheDocument();
    expect(screen.queryByLabelText('Scenarios')).not.toBeInTheDocument();
  });

  it('edits a status query: namespace and models only', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'status', models: [] });
    expect(screen.queryByLabelText('Metric')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Instant')).not.toBeInTheDocument();
    await pick('Namespace', 'llm-serving');
    expect(last()).toEqual({ refId: 'A', queryType: 'status', models: [], namespace: 'llm-serving' });
  });

  it('offers the namespaces from GET /namespaces and template variables, and takes a typed one', async () => {
    const { fetch, last, onRunQuery } = renderEditor({ refId: 'A', queryType: 'efficiency', models: [] });
    await userEvent.click(screen.getByLabelText('Namespace'));
    const options = await screen.findAllByRole('option', { hidden: true });
    expect(options.map((o) => o.textContent)).toEqual([
      'llm',
      'llm-serving',
      '$modelTemplate variable',
      '$target_loadTemplate variable',
    ]);
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({ url: '/api/datasources/uid/roi-test-uid/resources/namespaces' })
    );
    await userEvent.click(screen.getByRole('option', { name: /^\$model/, hidden: true }));
    expect(last()).toEqual({ refId: 'A', queryType: 'efficiency', models: [], namespace: '$model' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await userEvent.type(screen.getByLabelText('Namespace'), 'team-a', {
      initialSelectionStart: 0,
      initialSelectionEnd: 6,
    });
    await userEvent.click(await screen.findByRole('option', { name: /team-a/, hidden: true }));
    expect(last().namespace).toBe('team-a');
    expect(screen.getByLabelText('Namespace')).toHaveValue('team-a');
  });

  it('removes the namespace when the picker is cleared, so the default applies', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'status', models: [], namespace: 'llm' });
    expect(screen.getByLabelText('Namespace')).toHaveValue('llm');
    await userEvent.click(screen.getByRole('button', { name: 'Clear value' }));
    expect(last()).toEqual({ refId: 'A', queryType: 'status', models: [] });
  });

  it('says why the namespaces could not be loaded and still takes a typed one', async () => {
    const { last } = renderEditor(
      { refId: 'A', queryType: 'status', models: [] },
      { models: MODELS, namespaces: { status: 503, data: { error: 'no Prometheus URL is configured' } } }
    );
    await userEvent.click(screen.getByLabelText('Namespace'));
    expect(
      await screen.findByText('Could not load the namespaces (no Prometheus URL is configured); type names instead')
    ).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Namespace'), 'llm');
    await userEvent.click(await screen.findByRole('option', { name: /llm/, hidden: true }));
    expect(last().namespace).toBe('llm');
  });

  it('switches the query type, keeping the models and only the fields the new type reads', async () => {
    const { last, onRunQuery } = renderEditor({
      refId: 'A',
      queryType: 'roi',
      models: ['m1'],
      scenarios: ['chat'],
      latestOnly: true,
      targetLoad: 20,
    });
    await pick('Query type', /^Live metric/);
    expect(last()).toEqual({ refId: 'A', queryType: 'metrics', models: ['m1'], metric: 'ttft_p95' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByLabelText('Metric')).toBeInTheDocument());

    await pick('Query type', /^Run windows/);
    expect(last()).toEqual({ refId: 'A', queryType: 'annotations', models: ['m1'], scenarios: [], latestOnly: false });
  });

  it('switches to sweeps, which keeps nothing but the type', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'status', models: ['m1'], namespace: 'llm' });
    // The query-type list is virtualised and Sweeps is past its first screen: filter it in, as a user would.
    await userEvent.type(screen.getByLabelText('Query type'), 'Sweeps');
    await userEvent.click(await screen.findByRole('option', { name: /^Sweeps/, hidden: true }));
    expect(last()).toEqual({ refId: 'A', queryType: 'sweeps' });
    expect(await screen.findByRole('button', { name: 'Launch sweep' })).toBeDisabled();
  });

  it('warns about a query type this version does not know', () => {
    renderEditor({ refId: 'A', queryType: 'forecast' as RoiQuery['queryType'] });
    expect(screen.getByText('Unknown query type "forecast"')).toBeInTheDocument();
  });
});
