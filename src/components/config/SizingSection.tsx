import React from 'react';
import { Field, FieldSet, Input, Text } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { SizingSettings } from '../../types';
import { SettingsErrors } from '../../validation';

interface Props {
  sizing: SizingSettings;
  onChange: (sizing: SizingSettings) => void;
  errors: SettingsErrors;
}

/** Fleet sizing (jsonData.sizing): the headroom roi leaves on every replica. */
export function SizingSection({ sizing, onChange, errors }: Props) {
  const error = errors['sizing.targetUtilization'];
  return (
    <FieldSet label="Sizing">
      <Text color="secondary" element="p">
        ROI sizes a fleet as replicas = ceil(target load ÷ (target utilization × capacity)). 1 runs every replica at its
        breaking point; 0.8 keeps 20 % headroom.
      </Text>
      <Field
        label="Target utilization"
        description="More than 0, at most 1 (default 1)"
        invalid={Boolean(error)}
        error={error}
      >
        <Input
          id="sizing-target-utilization"
          type="number"
          step="0.05"
          min={0}
          max={1}
          width={16}
          placeholder="1"
          value={sizing.targetUtilization ?? ''}
          onChange={(e) => {
            const { targetUtilization: _old, ...rest } = sizing;
            const u = parseOptionalNumber(e.currentTarget.value);
            onChange(u === undefined ? rest : { ...rest, targetUtilization: u });
          }}
        />
      </Field>
    </FieldSet>
  );
}
