import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DataSource } from '../datasource';
import { instanceSettings } from '../test-utils/fakes';
import { RoiVariableQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

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
  it('lists models by default, with a namespace filter', async () => {
    const { last } = renderEditor({ refId: 'var' });
    expect(screen.getByLabelText('Models')).toBeChecked();
    await userEvent.type(screen.getByLabelText('Namespace'), '$ns');
    expect(last()).toEqual({ refId: 'var', kind: 'models', namespace: '$ns' });
  });

  it('switches to scenarios, which have no namespace', async () => {
    const { last } = renderEditor({ refId: 'var', kind: 'models', namespace: 'llm' });
    await userEvent.click(screen.getByLabelText('Scenarios'));
    expect(last()).toEqual({ refId: 'var', kind: 'scenarios' });
    expect(screen.queryByLabelText('Namespace')).not.toBeInTheDocument();
  });
});
