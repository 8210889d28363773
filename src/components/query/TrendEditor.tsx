import React from 'react';
import { InlineField, MultiCombobox, Stack } from '@grafana/ui';

import { TrendMetric } from '../../types';
import { TREND_METRIC_OPTIONS } from './queryTypes';
import { EditorProps, LABEL_WIDTH, ModelsPicker, ScenariosPicker } from './pickers';

/** trend: capacity over time, one point per run, filtered by model and scenario; pick the series. */
export function TrendEditor(props: EditorProps) {
  const { query, onChange } = props;
  return (
    <Stack direction="column" gap={0}>
      <ModelsPicker {...props} />
      <ScenariosPicker {...props} />
      <InlineField
        label="Series"
        labelWidth={LABEL_WIDTH}
        tooltip="Which values to plot per run (empty: all). The capacity-regression alert rule uses Change vs previous run."
      >
        <MultiCombobox<TrendMetric>
          id={`trend-metrics-${query.refId}`}
          width="auto"
          minWidth={30}
          placeholder="All"
          options={TREND_METRIC_OPTIONS}
          value={query.trendMetrics ?? []}
          onChange={(selected) => {
            const { trendMetrics: _old, ...rest } = query;
            const values = selected.map((o) => o.value);
            onChange(values.length > 0 ? { ...rest, trendMetrics: values } : rest, true);
          }}
        />
      </InlineField>
    </Stack>
  );
}
