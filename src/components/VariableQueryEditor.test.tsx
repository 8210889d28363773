import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';

import { DataSource } from '../datasource';
import { fakeBackendSrv, FakeTemplateSrv, instanceSettings } from '../test-utils/fakes';
import { RoiVariableQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

beforeEach(() => {
  setTemplateSrv(new FakeTemplateSrv({ ns: 'llm' }));
  setBackendSrv(
    fakeBackendSrv({ namespaces: { status: 200, data: { namespaces: ['llm', 'llm-serving'], warnings: null } } }).srv
  );
});

function renderEditor(initial: RoiVariableQuery) {
  const onChange = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <VariableQueryEditor
        query={query}
        datasource={new DataSource(instanceSettings())}
        onRunQuery={jest.fn()}
        onChange={(q) => {
          setQuery(q);
          onChange(q);
        }}
      />
    );
  }
  render(<Harness />);
  return { last: (): RoiVariableQuery => onChange.mock.lastCall[0] };
}

describe('VariableQueryEditor', () => {
  it('lists models by default, with a namespace filter offering namespaces and variables', async () => {
    const { last } = renderEditor({ refId: 'var' });
    expect(screen.getByLabelText('Models')).toBeChecked();
    await userEvent.click(screen.getByLabelText('Namespace'));
    const options = await screen.findAllByRole('option', { hidden: true });
    expect(options.map((o) => o.textContent)).toEqual(['llm', 'llm-serving', '$nsTemplate variable']);
    await userEvent.click(screen.getByRole('option', { name: /^\$ns/, hidden: true }));
    expect(last()).toEqual({ refId: 'var', kind: 'models', namespace: '$ns' });
  });

  it('lists namespaces, which take no filter', async () => {
    const { last } = renderEditor({ refId: 'var', kind: 'models', namespace: 'llm' });
    await userEvent.click(screen.getByLabelText('Namespaces'));
    expect(last()).toEqual({ refId: 'var', kind: 'namespaces' });
    expect(screen.queryByLabelText('Namespace')).not.toBeInTheDocument();
  });

  it('switches to scenarios, which have no namespace', async () => {
    const { last } = renderEditor({ refId: 'var', kind: 'models', namespace: 'llm' });
    await userEvent.click(screen.getByLabelText('Scenarios'));
    expect(last()).toEqual({ refId: 'var', kind: 'scenarios' });
    expect(screen.queryByLabelText('Namespace')).not.toBeInTheDocument();
  });
});
