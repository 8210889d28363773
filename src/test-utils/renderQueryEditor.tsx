import React, { useState } from 'react';
import { render } from '@testing-library/react';

import { DataSource } from '../datasource';
import { QueryEditor } from '../components/QueryEditor';
import { RoiQuery } from '../types';

/** Renders the query editor the way a panel does: onChange feeds the new query back in. */
export function renderQueryEditor(initial: RoiQuery, datasource: DataSource) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={datasource}
        onChange={(q) => {
          setQuery(q);
          onChange(q);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Harness />);
  return { onChange, onRunQuery };
}
