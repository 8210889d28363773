import React from 'react';
import { Field, FieldSet, Input, Text } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { boundsOf } from '../../settingsSchema';
import { DEFAULTS, SizingSettings } from '../../types';
import { SettingsErrors } from '../../validation';

interface Props {
  sizing: SizingSettings;
  onChange: (sizing: SizingSettings) => void;
  errors: SettingsErrors;
}

const UTILIZATION = boundsOf('sizing.targetUtilization');

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
        description={`More than ${UTILIZATION.min}, at most ${UTILIZATION.max} (default ${DEFAULTS.targetUtilization})`}
        invalid={Boolean(error)}
        error={error}
      >
        <Input
          id="sizing-target-utilization"
          type="number"
          step="0.05"
          min={UTILIZATION.min}
          max={UTILIZATION.max}
          width={16}
          placeholder={String(DEFAULTS.targetUtilization)}
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
