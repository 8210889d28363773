import React from 'react';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';

import { DataSource } from '../../datasource';
import { fakeBackendSrv, FakeTemplateSrv, instanceSettings, ResourceAnswer } from '../../test-utils/fakes';
import { renderQueryEditor } from '../../test-utils/renderQueryEditor';
import { Sweep } from '../../types';
import { FollowedSweep, SWEEP_POLL_MS } from './FollowedSweep';

const NAME = 'roi-mistral-3-int4-chat-1a2b3c-1';
const SWEEP_URL = `/api/datasources/uid/roi-test-uid/resources/sweeps/${NAME}`;

const PENDING: Sweep = {
  name: NAME,
  namespace: 'bench',
  model: 'mistral-3-int4',
  scenario: 'chat',
  profile: 'constant',
  rates: [1, 2, 4, 8],
  secondsPerStage: 30,
  requestedBy: 'editor',
  status: 'pending',
  created: '2025-06-01T10:00:00Z',
  progress: { phase: 'waiting', stagesTotal: 4, stagesDone: 0 },
};

const RUNNING: Sweep = {
  ...PENDING,
  status: 'running',
  started: '2025-06-01T10:00:05Z',
  progress: {
    phase: 'benchmarking',
    stagesTotal: 4,
    stagesDone: 2,
    estimated: true,
    note: 'stage 3 of 4 running (estimated from the time since the first stage began, 1m5s)',
  },
  logTail: ['Setup complete, starting benchmarks...'],
};

const FAILED: Sweep = {
  ...RUNNING,
  status: 'failed',
  finished: '2025-06-01T10:02:00Z',
  progress: { phase: 'failed', stagesTotal: 4, stagesDone: 0 },
  failureReason: 'GuideLLM exited with code 1: backend http://mistral-3-int4-predictor:8080/v1 is unreachable',
  logTail: ['Traceback (most recent call last):', 'httpx.ConnectError: All connection attempts failed'],
};

const BASE_ANSWERS: Record<string, ResourceAnswer> = {
  models: { status: 200, data: { models: ['mistral-3-bf16', 'mistral-3-int4'], warnings: null } },
  scenarios: { status: 200, data: { scenarios: ['chat', 'summarization'], warnings: null } },
};

beforeEach(() => {
  setTemplateSrv(new FakeTemplateSrv({ model: ['a', 'b'] }));
});

afterEach(() => {
  jest.useRealTimers();
});

/** Renders the query editor of a sweeps query, with a data source whose sweeps take 30 s stages. */
function renderEditor(answers: Record<string, ResourceAnswer>) {
  const { fetch, srv } = fakeBackendSrv({ ...BASE_ANSWERS, ...answers });
  setBackendSrv(srv);
  const datasource = new DataSource(instanceSettings({ kubernetes: { namespace: 'bench', secondsPerStage: 30 } }));
  const { onChange, onRunQuery } = renderQueryEditor({ refId: 'A', queryType: 'sweeps' }, datasource);
  return { fetch, onChange, onRunQuery };
}

async function pick(label: string, option: string) {
  await userEvent.click(screen.getByLabelText(label));
  await userEvent.click(await screen.findByRole('option', { name: option, hidden: true }));
}

/** Fills the launch form: mistral-3-int4, chat, constant at 1, 2, 4, 8 req/s. */
async function fillLaunchForm() {
  await pick('Model', 'mistral-3-int4');
  await pick('Scenario', 'chat');
  await userEvent.type(screen.getByLabelText('Rates (req/s)'), '1, 2, 4, 8');
}

function posts(fetch: jest.Mock, path: string) {
  return fetch.mock.calls
    .map(([req]) => req)
    .filter((req) => req.method === 'POST' && req.url.endsWith(`/resources/${path}`));
}

describe('Launch sweep', () => {
  it('starts with a disabled button, the constant profile and the data source defaults', () => {
    renderEditor({});
    expect(screen.getByRole('button', { name: 'Launch sweep' })).toBeDisabled();
    expect(screen.getByLabelText('Constant')).toBeChecked();
    expect(screen.getByLabelText('Rates (req/s)')).toHaveAttribute('placeholder', '1, 2, 4, 8');
    expect(screen.getByLabelText('Stage length (s)')).toHaveAttribute('placeholder', '30');
  });

  it('confirms, posts the request, shows the Job and its status, and refreshes the panel', async () => {
    const { fetch, onRunQuery } = renderEditor({
      'POST sweeps': { status: 202, data: { sweep: PENDING, created: true } },
    });
    await fillLaunchForm();
    expect(screen.getByText("4 stages × 30 s: about 2 min of load, plus GuideLLM's setup")).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Launch sweep' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(
      'Start GuideLLM against mistral-3-int4 with the chat scenario, constant profile at 1, 2, 4, 8 req/s'
    );
    expect(posts(fetch, 'sweeps')).toHaveLength(0);

    await userEvent.click(within(dialog).getByRole('button', { name: 'Launch' }));
    expect(await screen.findByText(`Job ${NAME}`)).toBeInTheDocument();
    expect(posts(fetch, 'sweeps')).toEqual([
      expect.objectContaining({
        data: { model: 'mistral-3-int4', scenario: 'chat', profile: 'constant', rates: [1, 2, 4, 8] },
      }),
    ]);
    expect(screen.getByText('pending')).toBeInTheDocument();
    expect(screen.getByText('Phase: waiting, 0/4 stages')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Sweep progress' })).toHaveAttribute('max', '4');
    expect(screen.queryByText('Already running')).not.toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('launches nothing when the confirmation is dismissed', async () => {
    const { fetch } = renderEditor({});
    await fillLaunchForm();
    await userEvent.click(screen.getByRole('button', { name: 'Launch sweep' }));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(posts(fetch, 'sweeps')).toHaveLength(0);
  });

  it('follows the active sweep of the same model and scenario when the backend says it already runs', async () => {
    renderEditor({ 'POST sweeps': { status: 200, data: { sweep: RUNNING, created: false } } });
    await fillLaunchForm();
    await userEvent.click(screen.getByRole('button', { name: 'Launch sweep' }));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Launch' }));
    expect(await screen.findByText('Already running')).toBeInTheDocument();
    expect(screen.getByText(`Job ${NAME}`)).toBeInTheDocument();
    expect(screen.getByText('running')).toBeInTheDocument();
  });

  it('sends stream counts for the concurrent profile and a stage count for the sweep profile', async () => {
    const { fetch } = renderEditor({ 'POST sweeps': { status: 202, data: { sweep: PENDING, created: true } } });
    await pick('Model', 'mistral-3-bf16');
    await pick('Scenario', 'summarization');
    await userEvent.click(screen.getByLabelText('Concurrent'));
    await userEvent.type(screen.getByLabelText('Streams'), '1 16 64');
    await userEvent.type(screen.getByLabelText('Stage length (s)'), '120');
    await userEvent.click(screen.getByRole('button', { name: 'Launch sweep' }));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Launch' }));
    await screen.findByText(`Job ${NAME}`);

    await userEvent.click(screen.getByLabelText('Sweep'));
    expect(screen.queryByLabelText('Streams')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Stages')).toHaveAttribute('placeholder', '10');
    await userEvent.type(screen.getByLabelText('Stages'), '6');
    await userEvent.click(screen.getByRole('button', { name: 'Launch sweep' }));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Launch' }));
    await waitFor(() => expect(posts(fetch, 'sweeps')).toHaveLength(2));
    expect(posts(fetch, 'sweeps').map((req) => req.data)).toEqual([
      {
        model: 'mistral-3-bf16',
        scenario: 'summarization',
        profile: 'concurrent',
        streams: [1, 16, 64],
        secondsPerStage: 120,
      },
      { model: 'mistral-3-bf16', scenario: 'summarization', profile: 'sweep', sweepSize: 6, secondsPerStage: 120 },
    ]);
  });

  it('marks invalid rates at the field and keeps the button disabled', async () => {
    renderEditor({});
    await pick('Model', 'mistral-3-int4');
    await pick('Scenario', 'chat');
    await userEvent.type(screen.getByLabelText('Rates (req/s)'), '1, 2, 2');
    expect(screen.getByText('2 is listed twice')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Launch sweep' })).toBeDisabled();
    await userEvent.clear(screen.getByLabelText('Rates (req/s)'));
    await userEvent.type(screen.getByLabelText('Rates (req/s)'), '5000');
    expect(screen.getByText('"5000" is not a rate in (0, 1000] requests per second')).toBeInTheDocument();
  });

  it('shows the backend error inline, e.g. a Viewer who may not launch', async () => {
    const { onRunQuery } = renderEditor({
      'POST sweeps': {
        status: 403,
        data: { error: 'this call changes data and needs the Editor or Admin role; you are Viewer' },
      },
    });
    await fillLaunchForm();
    await userEvent.click(screen.getByRole('button', { name: 'Launch sweep' }));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Launch' }));
    expect(await screen.findByText('The sweep was not launched')).toBeInTheDocument();
    expect(
      screen.getByText('this call changes data and needs the Editor or Admin role; you are Viewer')
    ).toBeInTheDocument();
    expect(screen.queryByText(/^Job /)).not.toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();
  });
});

describe('FollowedSweep', () => {
  /** Renders one followed sweep under fake timers; `answers` may be changed between polls. */
  function renderFollowed(initial: Sweep, answers: Record<string, ResourceAnswer>, created = true) {
    jest.useFakeTimers();
    const { fetch, srv } = fakeBackendSrv(answers);
    setBackendSrv(srv);
    const onChanged = jest.fn();
    const view = render(
      <FollowedSweep
        datasource={new DataSource(instanceSettings())}
        initial={initial}
        created={created}
        onChanged={onChanged}
      />
    );
    const gets = () => fetch.mock.calls.filter(([req]) => req.method === 'GET' && req.url === SWEEP_URL).length;
    return { fetch, onChanged, gets, ...view };
  }

  async function nextPoll() {
    await act(async () => {
      jest.advanceTimersByTime(SWEEP_POLL_MS);
    });
  }

  it('polls while the sweep runs, shows progress, then the failure reason and log tail, and stops', async () => {
    const answers: Record<string, ResourceAnswer> = {
      [`GET sweeps/${NAME}`]: { status: 200, data: { sweep: RUNNING } },
    };
    const { gets, onChanged } = renderFollowed(PENDING, answers);
    expect(gets()).toBe(0);
    await nextPoll();
    expect(
      await screen.findByText(
        'Phase: benchmarking, 2/4 stages (est.) (stage 3 of 4 running (estimated from the time since the first stage began, 1m5s))'
      )
    ).toBeInTheDocument();
    expect(gets()).toBe(1);
    expect(screen.getByRole('progressbar', { name: 'Sweep progress' })).toHaveAttribute('value', '2');
    expect(screen.getByLabelText('Log tail')).toHaveTextContent('Setup complete, starting benchmarks...');
    expect(onChanged).not.toHaveBeenCalled();

    answers[`GET sweeps/${NAME}`] = { status: 200, data: { sweep: FAILED } };
    await nextPoll();
    expect(await screen.findByText('Sweep failed')).toBeInTheDocument();
    expect(screen.getByText(FAILED.failureReason!)).toBeInTheDocument();
    expect(screen.getByLabelText('Log tail')).toHaveTextContent(
      'Traceback (most recent call last): httpx.ConnectError: All connection attempts failed'
    );
    expect(screen.getByText('failed')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel sweep' })).not.toBeInTheDocument();
    expect(onChanged).toHaveBeenCalledTimes(1);

    await nextPoll();
    await nextPoll();
    expect(gets()).toBe(2);
  });

  it('stops polling when unmounted', async () => {
    const { gets, unmount } = renderFollowed(RUNNING, {
      [`GET sweeps/${NAME}`]: { status: 200, data: { sweep: RUNNING } },
    });
    await nextPoll();
    await waitFor(() => expect(gets()).toBe(1));
    await nextPoll();
    await waitFor(() => expect(gets()).toBe(2));
    unmount();
    await nextPoll();
    await nextPoll();
    expect(gets()).toBe(2);
  });

  it('keeps polling after a failed poll and says so meanwhile', async () => {
    const answers: Record<string, ResourceAnswer> = {
      [`GET sweeps/${NAME}`]: { status: 502, data: { error: 'kubernetes API request failed: reading Job: timeout' } },
    };
    const { gets } = renderFollowed(RUNNING, answers);
    await nextPoll();
    expect(await screen.findByText('Could not refresh the status; trying again')).toBeInTheDocument();
    expect(screen.getByText('kubernetes API request failed: reading Job: timeout')).toBeInTheDocument();

    answers[`GET sweeps/${NAME}`] = { status: 200, data: { sweep: { ...RUNNING, status: 'succeeded' } } };
    await nextPoll();
    expect(await screen.findByText('succeeded')).toBeInTheDocument();
    expect(screen.queryByText('Could not refresh the status; trying again')).not.toBeInTheDocument();
    expect(gets()).toBe(2);
  });

  it('stops when the Job is gone', async () => {
    const { gets } = renderFollowed(RUNNING, {
      [`GET sweeps/${NAME}`]: { status: 404, data: { error: 'sweep not found' } },
    });
    await nextPoll();
    expect(
      await screen.findByText(`Job ${NAME} no longer exists: deleted, or removed after its TTL.`)
    ).toBeInTheDocument();
    expect(screen.getByText('gone')).toBeInTheDocument();
    await nextPoll();
    expect(gets()).toBe(1);
  });

  it('shows where the report of a finished sweep went', () => {
    jest.useFakeTimers();
    const stored = { ...RUNNING, status: 'succeeded' as const, ingest: 'stored', reportKey: 'sweeps/chat/x.json' };
    const { rerender } = render(
      <FollowedSweep datasource={new DataSource(instanceSettings())} initial={stored} created onChanged={jest.fn()} />
    );
    expect(screen.getByText('Report stored as sweeps/chat/x.json')).toBeInTheDocument();
    const unreadable = { ...stored, name: 'other', ingest: 'unreadable', ingestError: 'no report between the markers' };
    rerender(
      <FollowedSweep
        key="other"
        datasource={new DataSource(instanceSettings())}
        initial={unreadable}
        created
        onChanged={jest.fn()}
      />
    );
    expect(screen.getByText('The report could not be stored')).toBeInTheDocument();
    expect(screen.getByText('no report between the markers')).toBeInTheDocument();
  });

  it('cancels after a confirmation with DELETE, then stops polling', async () => {
    const { fetch, gets, onChanged } = renderFollowed(RUNNING, {
      [`GET sweeps/${NAME}`]: { status: 200, data: { sweep: RUNNING } },
      [`DELETE sweeps/${NAME}`]: { status: 200, data: { deleted: NAME } },
    });
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    await user.click(screen.getByRole('button', { name: 'Cancel sweep' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(`Delete Job ${NAME} and its pod?`);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel sweep' }));

    expect(await screen.findByText(`Cancelled: Job ${NAME} and its pod were deleted.`)).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(expect.objectContaining({ method: 'DELETE', url: SWEEP_URL }));
    expect(screen.getByText('cancelled')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel sweep' })).not.toBeInTheDocument();
    expect(onChanged).toHaveBeenCalledTimes(1);
    const polled = gets();
    await nextPoll();
    await nextPoll();
    expect(gets()).toBe(polled);
  });

  it('keeps the sweep and shows why when the cancel is refused', async () => {
    const { fetch } = renderFollowed(RUNNING, {
      [`DELETE sweeps/${NAME}`]: {
        status: 403,
        data: { error: 'this call changes data and needs the Editor or Admin role; you are Viewer' },
      },
    });
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    await user.click(screen.getByRole('button', { name: 'Cancel sweep' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Keep running' }));
    expect(fetch).not.toHaveBeenCalledWith(expect.objectContaining({ method: 'DELETE' }));

    await user.click(screen.getByRole('button', { name: 'Cancel sweep' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel sweep' }));
    expect(await screen.findByText('The sweep was not cancelled')).toBeInTheDocument();
    expect(
      screen.getByText('this call changes data and needs the Editor or Admin role; you are Viewer')
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel sweep' })).toBeEnabled();
  });
});

describe('Vibe check', () => {
  const RESULTS = [
    {
      model: 'mistral-3-int4',
      endpoint: 'http://mistral-3-int4-predictor.llm.svc.cluster.local:8080/v1',
      ttftMs: 84.4,
      itlMs: 11.26,
      tokens: 42,
      tokensSource: 'usage',
      chunks: 42,
      totalMs: 560.2,
      text: 'Paged attention stores the KV cache in blocks.',
      truncated: false,
    },
    {
      model: 'mistral-3-bf16',
      endpoint: 'http://mistral-3-bf16-predictor.llm.svc.cluster.local:8080/v1',
      ttftMs: 0,
      itlMs: 0,
      tokens: 0,
      tokensSource: 'chunks',
      chunks: 0,
      totalMs: 3.1,
      text: '',
      truncated: false,
      error: 'request to http://mistral-3-bf16-predictor.llm.svc.cluster.local:8080/v1 failed: connection refused',
    },
  ];

  async function fillProbe() {
    await userEvent.click(screen.getByRole('button', { name: 'Vibe check: one prompt, two models, side by side' }));
    await pick('Model A', 'mistral-3-int4');
    await pick('Model B', 'mistral-3-bf16');
    await userEvent.type(screen.getByLabelText('Prompt'), 'Explain paged attention.');
    await userEvent.type(screen.getByLabelText('Max tokens'), '64');
  }

  it('runs the prompt against two models and shows their answers side by side', async () => {
    const { fetch } = renderEditor({ 'POST probe': { status: 200, data: { results: RESULTS } } });
    await fillProbe();
    await userEvent.click(screen.getByRole('button', { name: 'Run vibe check' }));

    const a = await screen.findByRole('region', { name: 'Answer of mistral-3-int4' });
    expect(posts(fetch, 'probe').map((req) => req.data)).toEqual([
      { models: ['mistral-3-int4', 'mistral-3-bf16'], prompt: 'Explain paged attention.', maxTokens: 64 },
    ]);
    expect(a).toHaveTextContent('TTFT84 ms');
    expect(a).toHaveTextContent('ITL11.3 ms');
    expect(a).toHaveTextContent('Tokens42');
    expect(a).toHaveTextContent('Total560 ms');
    expect(a).toHaveTextContent('Paged attention stores the KV cache in blocks.');
    const b = screen.getByRole('region', { name: 'Answer of mistral-3-bf16' });
    expect(b).toHaveTextContent('mistral-3-bf16 failed');
    expect(b).toHaveTextContent('connection refused');
    expect(b).toHaveTextContent('Tokens≥ 0 (counted chunks)');
  });

  it('refuses the same model twice at the field', async () => {
    renderEditor({});
    await userEvent.click(screen.getByRole('button', { name: 'Vibe check: one prompt, two models, side by side' }));
    await pick('Model A', 'mistral-3-int4');
    await pick('Model B', 'mistral-3-int4');
    await userEvent.type(screen.getByLabelText('Prompt'), 'Hi');
    expect(screen.getByText('Pick a different model to compare with')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Run vibe check' })).toBeDisabled();
  });

  it('shows the backend error inline', async () => {
    renderEditor({
      'POST probe': {
        status: 503,
        data: { error: 'the probe needs the model endpoints: set kubernetes.namespace' },
      },
    });
    await fillProbe();
    await userEvent.click(screen.getByRole('button', { name: 'Run vibe check' }));
    expect(await screen.findByText('The vibe check did not run')).toBeInTheDocument();
    expect(screen.getByText('the probe needs the model endpoints: set kubernetes.namespace')).toBeInTheDocument();
  });
});
