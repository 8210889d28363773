import React from 'react';
import { InlineField, InlineSwitch, Stack } from '@grafana/ui';

import { EditorProps, LABEL_WIDTH, ModelsPicker, ScenariosPicker } from './pickers';

/** runs, curves, breakingPoints and annotations: stored benchmark runs filtered by model and scenario. */
export function HistoryEditor(props: EditorProps) {
  const { query, onChange } = props;
  return (
    <Stack direction="column" gap={0}>
      <ModelsPicker {...props} />
      <ScenariosPicker {...props} />
      <InlineField
        label="Latest only"
        labelWidth={LABEL_WIDTH}
        tooltip="Runs table and run windows: only the newest run of each model and scenario. Breaking points, curves and ROI always take the newest run of each deployment (older runs are history: see Capacity over time)."
      >
        <InlineSwitch
          id={`latest-only-${query.refId}`}
          value={query.latestOnly ?? false}
          onChange={(e) => onChange({ ...query, latestOnly: e.currentTarget.checked }, true)}
        />
      </InlineField>
    </Stack>
  );
}
