import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, RadioButtonGroup, Stack } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { RoiDataSourceOptions, RoiQuery, RoiVariableQuery, VariableKind } from '../types';
import { NamePicker, useNamespacesLoader } from './query/pickers';

type Props = QueryEditorProps<DataSource, RoiQuery, RoiDataSourceOptions, RoiVariableQuery>;

const KINDS: Array<{ label: string; value: VariableKind; description: string }> = [
  { label: 'Models', value: 'models', description: 'From the stored reports, the deployments catalog and Prometheus' },
  { label: 'Scenarios', value: 'scenarios', description: 'From the scenario catalog and the stored reports' },
  { label: 'Namespaces', value: 'namespaces', description: 'Namespaces with vLLM series in Prometheus' },
];

/** Chooses what a template variable lists. */
export function VariableQueryEditor({ query, datasource, onChange }: Props) {
  const kind = query.kind ?? 'models';
  const loadNamespaces = useNamespacesLoader(datasource);
  return (
    <Stack direction="column" gap={0}>
      <InlineField label="Values" labelWidth={16}>
        <RadioButtonGroup
          aria-label="Values"
          options={KINDS}
          value={kind}
          onChange={(v) => onChange(v === 'models' ? { ...query, kind: v } : { refId: query.refId, kind: v })}
        />
      </InlineField>
      {kind === 'models' && (
        <NamePicker
          id={`variable-namespace-${query.refId}`}
          label="Namespace"
          tooltip="Limits the models Prometheus reports to this namespace; may hold a variable"
          what="namespaces"
          value={query.namespace ?? ''}
          placeholder="default of the data source"
          withVariables
          load={loadNamespaces}
          onChange={(namespace) => {
            const { namespace: _old, ...rest } = query;
            onChange(namespace === '' ? { ...rest, kind } : { ...rest, kind, namespace });
          }}
        />
      )}
    </Stack>
  );
}
