import React, { useState } from 'react';
import { Button, Field, IconButton, Input, Stack, Text } from '@grafana/ui';

import { KubernetesModelSettings } from '../../types';
import { ModelOverrideRow, validateModelOverrideRows } from '../../validation';

interface Props {
  models: Record<string, KubernetesModelSettings>;
  onChange: (models: Record<string, KubernetesModelSettings>) => void;
}

/**
 * Per-model sweep overrides (jsonData.kubernetes.models: model → endpoint, processor). The rows live
 * in local state so a row whose model is still empty or repeated can be edited; the map holds the
 * rows with a model, the first of each name.
 */
export function KubernetesModelsSection({ models, onChange }: Props) {
  const [rows, setRows] = useState<ModelOverrideRow[]>(() =>
    Object.entries(models).map(([model, m]) => ({ model, endpoint: m.endpoint ?? '', processor: m.processor ?? '' }))
  );
  const errors = validateModelOverrideRows(rows);

  const commit = (next: ModelOverrideRow[]) => {
    setRows(next);
    const map: Record<string, KubernetesModelSettings> = {};
    for (const row of next) {
      if (row.model !== '' && !(row.model in map)) {
        map[row.model] = {
          ...(row.endpoint !== '' ? { endpoint: row.endpoint } : {}),
          ...(row.processor !== '' ? { processor: row.processor } : {}),
        };
      }
    }
    onChange(map);
  };
  const update = (i: number, patch: Partial<ModelOverrideRow>) =>
    commit(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });

  return (
    <div>
      <Text color="secondary" element="p">
        Per-model overrides: the endpoint when the template cannot address a model, and the tokenizer GuideLLM loads to
        size prompts (a Hugging Face id; empty means the model name).
      </Text>
      {rows.map((row, i) => (
        <Stack key={i} direction="row" alignItems="flex-start" gap={1}>
          <Field label={i === 0 ? 'Model' : undefined} {...fieldError(`kubernetes.models.${i}.model`)}>
            <Input
              aria-label={`Model override ${i + 1} model`}
              width={30}
              value={row.model}
              placeholder="mistral-3-int4"
              onChange={(e) => update(i, { model: e.currentTarget.value })}
            />
          </Field>
          <Field label={i === 0 ? 'OpenAI endpoint' : undefined} {...fieldError(`kubernetes.models.${i}.endpoint`)}>
            <Input
              aria-label={`Model override ${i + 1} endpoint`}
              width={40}
              value={row.endpoint}
              placeholder="endpoint template"
              onChange={(e) => update(i, { endpoint: e.currentTarget.value })}
            />
          </Field>
          <Field label={i === 0 ? 'Tokenizer' : undefined} {...fieldError(`kubernetes.models.${i}.processor`)}>
            <Input
              aria-label={`Model override ${i + 1} tokenizer`}
              width={36}
              value={row.processor}
              placeholder="the model name"
              onChange={(e) => update(i, { processor: e.currentTarget.value })}
            />
          </Field>
          <IconButton
            name="trash-alt"
            tooltip={`Remove model override ${i + 1}`}
            onClick={() => commit(rows.filter((_, j) => j !== i))}
          />
        </Stack>
      ))}
      <Button
        variant="secondary"
        icon="plus"
        onClick={() => setRows([...rows, { model: '', endpoint: '', processor: '' }])}
      >
        Add model override
      </Button>
    </div>
  );
}
