import React from 'react';
import { InlineField, InlineSwitch, Stack } from '@grafana/ui';

import { EditorProps, LABEL_WIDTH, ModelsPicker, NamespacePicker } from './pickers';

/** efficiency: tokens per GPU, tokens per joule, live cost and SLA status per model. */
export function EfficiencyEditor(props: EditorProps) {
  const { query, onChange } = props;
  return (
    <Stack direction="column" gap={0}>
      <NamespacePicker {...props} />
      <ModelsPicker {...props} />
      <InlineField label="Instant" labelWidth={LABEL_WIDTH} tooltip="One table row per model instead of time series">
        <InlineSwitch
          id={`instant-${query.refId}`}
          value={query.instant ?? false}
          onChange={(e) => onChange({ ...query, instant: e.currentTarget.checked }, true)}
        />
      </InlineField>
    </Stack>
  );
}
