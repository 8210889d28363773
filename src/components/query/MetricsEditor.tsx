import React from 'react';
import { Combobox, InlineField, Input, Stack } from '@grafana/ui';

import { DEFAULT_METRIC, METRIC_OPTIONS } from './queryTypes';
import { EditorProps, LABEL_WIDTH, ModelsPicker, NamespacePicker } from './pickers';

/** metrics: one live metric over time, one series per model. */
export function MetricsEditor(props: EditorProps) {
  const { query, onChange, onRunQuery } = props;
  return (
    <Stack direction="column" gap={0}>
      <InlineField label="Metric" labelWidth={LABEL_WIDTH} tooltip="The unit is in each option's description">
        <Combobox
          id={`metric-${query.refId}`}
          width={40}
          options={METRIC_OPTIONS}
          value={query.metric ?? DEFAULT_METRIC}
          onChange={(o) => onChange({ ...query, metric: o.value }, true)}
        />
      </InlineField>
      <NamespacePicker {...props} />
      <ModelsPicker {...props} />
      <InlineField
        label="Legend"
        labelWidth={LABEL_WIDTH}
        tooltip="Series name template, e.g. {{model}} ({{namespace}}); empty uses the model name"
      >
        <Input
          id={`legend-${query.refId}`}
          width={40}
          value={query.legendFormat ?? ''}
          placeholder="{{model}}"
          onChange={(e) => onChange({ ...query, legendFormat: e.currentTarget.value })}
          onBlur={onRunQuery}
        />
      </InlineField>
    </Stack>
  );
}
