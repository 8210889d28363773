import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Alert, Combobox, InlineField, Stack } from '@grafana/ui';

import { DataSource } from '../datasource';
import { DEFAULT_QUERY, QueryType, RoiDataSourceOptions, RoiQuery } from '../types';
import { EfficiencyEditor } from './query/EfficiencyEditor';
import { HistoryEditor } from './query/HistoryEditor';
import { MetricsEditor } from './query/MetricsEditor';
import { EditorProps, LABEL_WIDTH } from './query/pickers';
import { QUERY_TYPE_OPTIONS, queryForType } from './query/queryTypes';
import { RoiEditor } from './query/RoiEditor';
import { TrendEditor } from './query/TrendEditor';
import { StatusEditor } from './query/StatusEditor';
import { SweepsEditor } from './query/SweepsEditor';

export type RoiQueryEditorProps = QueryEditorProps<DataSource, RoiQuery, RoiDataSourceOptions>;

const EDITORS: Record<QueryType, React.ComponentType<EditorProps>> = {
  runs: HistoryEditor,
  curves: HistoryEditor,
  breakingPoints: HistoryEditor,
  annotations: HistoryEditor,
  roi: RoiEditor,
  trend: TrendEditor,
  metrics: MetricsEditor,
  efficiency: EfficiencyEditor,
  status: StatusEditor,
  sweeps: SweepsEditor,
};

/** Picks the query type, then shows that type's editor. */
export function QueryEditor({ query, datasource, onChange, onRunQuery }: RoiQueryEditorProps) {
  const queryType = query.queryType ?? DEFAULT_QUERY.queryType!;
  const change = (next: RoiQuery, run = false) => {
    onChange(next);
    if (run) {
      onRunQuery();
    }
  };
  const TypeEditor: React.ComponentType<EditorProps> | undefined = EDITORS[queryType];

  return (
    <Stack direction="column" gap={0}>
      <InlineField label="Query type" labelWidth={LABEL_WIDTH}>
        <Combobox
          id={`query-type-${query.refId}`}
          width={40}
          options={QUERY_TYPE_OPTIONS}
          value={queryType}
          onChange={(o) => change(queryForType(query, o.value), true)}
        />
      </InlineField>
      {TypeEditor ? (
        <TypeEditor query={query} datasource={datasource} onChange={change} onRunQuery={onRunQuery} />
      ) : (
        <Alert severity="warning" title={`Unknown query type "${queryType}"`}>
          This version of the plugin does not know this query type; pick one above.
        </Alert>
      )}
    </Stack>
  );
}
