import React from 'react';
import { Stack } from '@grafana/ui';

import { EditorProps, ModelsPicker, NamespacePicker } from './pickers';

/** status: one row per model with its SLA status and the reason. */
export function StatusEditor(props: EditorProps) {
  return (
    <Stack direction="column" gap={0}>
      <NamespacePicker {...props} />
      <ModelsPicker {...props} />
    </Stack>
  );
}
