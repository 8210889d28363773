import React from 'react';
import { DataSourceApi, QueryEditorProps } from '@grafana/data';
import { InlineField, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import { RoiDataSourceOptions, RoiQuery, RoiVariableQuery, VariableKind } from '../types';

type Props = QueryEditorProps<
  DataSourceApi<RoiQuery, RoiDataSourceOptions>,
  RoiQuery,
  RoiDataSourceOptions,
  RoiVariableQuery
>;

const KINDS: Array<{ label: string; value: VariableKind; description: string }> = [
  { label: 'Models', value: 'models', description: 'From the stored reports, the deployments catalog and Prometheus' },
  { label: 'Scenarios', value: 'scenarios', description: 'From the scenario catalog and the stored reports' },
];

/** Chooses what a template variable lists. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const kind = query.kind ?? 'models';
  return (
    <Stack direction="column" gap={0}>
      <InlineField label="Values" labelWidth={16}>
        <RadioButtonGroup
          aria-label="Values"
          options={KINDS}
          value={kind}
          onChange={(v) => onChange(v === 'scenarios' ? { refId: query.refId, kind: v } : { ...query, kind: v })}
        />
      </InlineField>
      {kind === 'models' && (
        <InlineField
          label="Namespace"
          labelWidth={16}
          tooltip="Limits the models Prometheus reports to this namespace; may hold a variable"
        >
          <Input
            id={`variable-namespace-${query.refId}`}
            width={30}
            value={query.namespace ?? ''}
            placeholder="default of the data source"
            onChange={(e) => onChange({ ...query, kind, namespace: e.currentTarget.value })}
          />
        </InlineField>
      )}
    </Stack>
  );
}
