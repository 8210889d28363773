import React, { useState } from 'react';
import { InlineField, Input, Stack } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { HistoryEditor } from './HistoryEditor';
import { EditorProps, LABEL_WIDTH } from './pickers';

/** roi: the history filters plus the load to plan for. */
export function RoiEditor(props: EditorProps) {
  const { query, onChange, onRunQuery } = props;
  // The text as typed: "12." must survive until the next key, although the query holds 12.
  const [text, setText] = useState(query.targetLoad === undefined ? '' : String(query.targetLoad));
  const invalid = text.trim() !== '' && !text.includes('$') && !(Number(text) > 0);

  return (
    <Stack direction="column" gap={0}>
      <HistoryEditor {...props} />
      <InlineField
        label="Target load"
        labelWidth={LABEL_WIDTH}
        tooltip="In the load axis' unit: requests per second for rate sweeps, concurrent users for concurrency sweeps. A variable such as $target_load works."
        invalid={invalid}
        error={invalid ? 'A positive number or a template variable' : undefined}
      >
        <Input
          id={`target-load-${query.refId}`}
          width={20}
          value={text}
          placeholder="e.g. 20"
          onChange={(e) => {
            const value = e.currentTarget.value;
            setText(value);
            const { targetLoad: _old, ...rest } = query;
            if (value.trim() === '') {
              onChange(rest);
            } else {
              onChange({ ...rest, targetLoad: value.includes('$') ? value : (parseOptionalNumber(value) ?? value) });
            }
          }}
          onBlur={onRunQuery}
        />
      </InlineField>
    </Stack>
  );
}
