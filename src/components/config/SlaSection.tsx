import React from 'react';
import { Button, Field, FieldSet, Input, Stack, Text } from '@grafana/ui';

import { fractionToPercent, parseOptionalNumber, percentToFraction } from '../../numbers';
import { DEFAULT_SLA, SlaSettings } from '../../types';
import { SettingsErrors } from '../../validation';

interface Props {
  sla: Partial<SlaSettings> | undefined;
  onChange: (sla: Partial<SlaSettings> | undefined) => void;
  errors: SettingsErrors;
}

const LATENCY_ROWS: Array<{ title: string; keys: Array<[keyof SlaSettings, string]> }> = [
  {
    title: 'Time to first token p95 (ms)',
    keys: [
      ['ttftExcellentMs', 'TTFT excellent'],
      ['ttftAcceptableMs', 'TTFT acceptable'],
      ['ttftBreakingMs', 'TTFT breaking'],
    ],
  },
  {
    title: 'Inter-token latency p95 (ms)',
    keys: [
      ['itlExcellentMs', 'ITL excellent'],
      ['itlAcceptableMs', 'ITL acceptable'],
      ['itlBreakingMs', 'ITL breaking'],
    ],
  },
];

/**
 * SLA thresholds (jsonData.sla). The backend reads the seven values as one block, so the first edit
 * writes the defaults for the others; "Use defaults" removes the block again.
 */
export function SlaSection({ sla, onChange, errors }: Props) {
  const set = (key: keyof SlaSettings, value: number | undefined) =>
    onChange({ ...(sla ?? DEFAULT_SLA), [key]: value });
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });

  return (
    <FieldSet label="SLA thresholds">
      <Text color="secondary" element="p">
        Each benchmark stage and live model is rated Excellent, Acceptable, Degraded or Breaking. A stage passes when
        TTFT and ITL p95 are within &quot;acceptable&quot; and errors within the maximum.
      </Text>
      {LATENCY_ROWS.map((row) => (
        <Stack key={row.title} direction="row" alignItems="flex-start" gap={1} wrap="wrap">
          {row.keys.map(([key, label]) => (
            <Field
              key={key}
              label={label}
              description={key.endsWith('ExcellentMs') ? row.title : undefined}
              {...fieldError(`sla.${key}`)}
            >
              <Input
                id={`sla-${key}`}
                type="number"
                width={16}
                value={sla?.[key] ?? ''}
                placeholder={String(DEFAULT_SLA[key])}
                onChange={(e) => set(key, parseOptionalNumber(e.currentTarget.value))}
              />
            </Field>
          ))}
        </Stack>
      ))}
      <Stack direction="row" alignItems="flex-end" gap={2}>
        <Field label="Max error rate (%)" {...fieldError('sla.maxErrorRate')}>
          <Input
            id="sla-maxErrorRate"
            type="number"
            width={16}
            value={sla?.maxErrorRate === undefined ? '' : fractionToPercent(sla.maxErrorRate)}
            placeholder={String(fractionToPercent(DEFAULT_SLA.maxErrorRate))}
            onChange={(e) => {
              const percent = parseOptionalNumber(e.currentTarget.value);
              set('maxErrorRate', percent === undefined ? undefined : percentToFraction(percent));
            }}
          />
        </Field>
        {sla && (
          <Field>
            <Button variant="secondary" onClick={() => onChange(undefined)}>
              Use defaults
            </Button>
          </Field>
        )}
      </Stack>
    </FieldSet>
  );
}
