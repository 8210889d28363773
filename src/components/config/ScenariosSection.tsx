import React from 'react';
import { Button, Field, FieldSet, IconButton, Input, Stack, Text } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { BUILTIN_SCENARIOS, ScenarioDef } from '../../types';
import { SettingsErrors } from '../../validation';

interface Props {
  scenarios: Array<Partial<ScenarioDef>>;
  onChange: (scenarios: Array<Partial<ScenarioDef>>) => void;
  errors: SettingsErrors;
}

/**
 * Scenarios name a report by its prompt/output token shape. The built-in ones are shown read-only;
 * jsonData.scenarios adds more, and a row with a built-in name replaces that one.
 */
export function ScenariosSection({ scenarios, onChange, errors }: Props) {
  const update = (i: number, patch: Partial<ScenarioDef>) =>
    onChange(scenarios.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });
  const overridden = new Set(scenarios.map((s) => s.name));

  return (
    <FieldSet label="Scenarios">
      <Text color="secondary" element="p">
        A report gets its scenario from its &quot;scenario&quot; label, else from the row below whose prompt and output
        tokens match, else the name p&lt;prompt&gt;-o&lt;output&gt;.
      </Text>
      <ul aria-label="Built-in scenarios">
        {BUILTIN_SCENARIOS.map((s) => (
          <li key={s.name}>
            <Text color={overridden.has(s.name) ? 'disabled' : 'primary'}>
              {s.name}: {s.promptTokens} prompt / {s.outputTokens} output tokens
              {overridden.has(s.name) ? ' (replaced below)' : ' (built in)'}
            </Text>
          </li>
        ))}
      </ul>
      {scenarios.map((s, i) => (
        <Stack key={i} direction="row" alignItems="flex-start" gap={1}>
          <Field label={i === 0 ? 'Name' : undefined} {...fieldError(`scenarios.${i}.name`)}>
            <Input
              aria-label={`Scenario ${i + 1} name`}
              width={24}
              value={s.name ?? ''}
              placeholder="rag"
              onChange={(e) => update(i, { name: e.currentTarget.value })}
            />
          </Field>
          <Field label={i === 0 ? 'Prompt tokens' : undefined} {...fieldError(`scenarios.${i}.promptTokens`)}>
            <Input
              aria-label={`Scenario ${i + 1} prompt tokens`}
              type="number"
              width={14}
              value={s.promptTokens ?? ''}
              onChange={(e) => update(i, { promptTokens: parseOptionalNumber(e.currentTarget.value) })}
            />
          </Field>
          <Field label={i === 0 ? 'Output tokens' : undefined} {...fieldError(`scenarios.${i}.outputTokens`)}>
            <Input
              aria-label={`Scenario ${i + 1} output tokens`}
              type="number"
              width={14}
              value={s.outputTokens ?? ''}
              onChange={(e) => update(i, { outputTokens: parseOptionalNumber(e.currentTarget.value) })}
            />
          </Field>
          <IconButton
            name="trash-alt"
            tooltip={`Remove scenario ${i + 1}`}
            onClick={() => onChange(scenarios.filter((_, j) => j !== i))}
          />
        </Stack>
      ))}
      <Button variant="secondary" icon="plus" onClick={() => onChange([...scenarios, { name: '' }])}>
        Add scenario
      </Button>
    </FieldSet>
  );
}
