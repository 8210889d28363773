import React from 'react';
import { Button, Field, FieldSet, IconButton, Input, Stack, Text } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { Deployment } from '../../types';
import { SettingsErrors } from '../../validation';

interface Props {
  deployments: Array<Partial<Deployment>>;
  onChange: (deployments: Array<Partial<Deployment>>) => void;
  errors: SettingsErrors;
}

/** The deployments catalog (jsonData.deployments): what each model runs on, for cost and ROI. */
export function DeploymentsSection({ deployments, onChange, errors }: Props) {
  const update = (i: number, patch: Partial<Deployment>) =>
    onChange(deployments.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const remove = (i: number) => onChange(deployments.filter((_, j) => j !== i));
  const add = () => onChange([...deployments, { model: '', gpus: 1, gpuType: '', quantization: '' }]);
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });

  return (
    <FieldSet label="Deployments">
      <Text color="secondary" element="p">
        What each model is deployed on. Labels in a report (model, gpus, gpuType, quantization) override this catalog.
      </Text>
      {deployments.map((d, i) => (
        <Stack key={i} direction="row" alignItems="flex-start" gap={1}>
          <Field label={i === 0 ? 'Model' : undefined} {...fieldError(`deployments.${i}.model`)}>
            <Input
              aria-label={`Deployment ${i + 1} model`}
              width={30}
              value={d.model ?? ''}
              placeholder="mistral-3-int4"
              onChange={(e) => update(i, { model: e.currentTarget.value })}
            />
          </Field>
          <Field label={i === 0 ? 'GPUs' : undefined} {...fieldError(`deployments.${i}.gpus`)}>
            <Input
              aria-label={`Deployment ${i + 1} GPUs`}
              type="number"
              width={10}
              value={d.gpus ?? ''}
              onChange={(e) => update(i, { gpus: parseOptionalNumber(e.currentTarget.value) })}
            />
          </Field>
          <Field label={i === 0 ? 'GPU type' : undefined}>
            <Input
              aria-label={`Deployment ${i + 1} GPU type`}
              width={16}
              value={d.gpuType ?? ''}
              placeholder="L40S"
              onChange={(e) => update(i, { gpuType: e.currentTarget.value })}
            />
          </Field>
          <Field label={i === 0 ? 'Quantization' : undefined}>
            <Input
              aria-label={`Deployment ${i + 1} quantization`}
              width={16}
              value={d.quantization ?? ''}
              placeholder="int4, fp8, bf16"
              onChange={(e) => update(i, { quantization: e.currentTarget.value })}
            />
          </Field>
          <IconButton
            name="trash-alt"
            tooltip={`Remove deployment ${i + 1}`}
            aria-label={`Remove deployment ${i + 1}`}
            onClick={() => remove(i)}
          />
        </Stack>
      ))}
      <Button variant="secondary" icon="plus" onClick={add}>
        Add deployment
      </Button>
    </FieldSet>
  );
}
