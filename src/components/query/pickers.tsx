import React, { useCallback, useState } from 'react';
import { getTemplateSrv, isFetchError } from '@grafana/runtime';
import { ComboboxOption, InlineField, Input, MultiCombobox } from '@grafana/ui';

import { DataSource } from '../../datasource';
import { RoiQuery } from '../../types';

export interface EditorProps {
  query: RoiQuery;
  datasource: DataSource;
  /** Changes the query; `run` also runs it (text inputs run on blur, not on each key). */
  onChange: (query: RoiQuery, run?: boolean) => void;
  onRunQuery: () => void;
}

export const LABEL_WIDTH = 16;

interface NamesPickerProps {
  id: string;
  label: string;
  tooltip: string;
  value: string[];
  onChange: (value: string[]) => void;
  /** Loads the names and the warnings the backend sent with them. */
  load: () => Promise<{ names: string[]; warnings: string[] }>;
}

/**
 * A multi-select fed by a resource call. Template variables are offered too, and any text can be
 * used as a custom value — which is also the way out when the call fails: the reason is shown and
 * typing still works.
 */
function NamesPicker({ id, label, tooltip, value, onChange, load }: NamesPickerProps) {
  const [problem, setProblem] = useState<string>();

  const options = useCallback(
    async (search: string): Promise<ComboboxOption[]> => {
      let names: string[] = [];
      try {
        const res = await load();
        names = res.names;
        setProblem(res.warnings.length > 0 ? res.warnings.join('; ') : undefined);
      } catch (err) {
        setProblem(`Could not load the ${label.toLowerCase()} (${errorMessage(err)}); type names instead`);
      }
      const variables = getTemplateSrv()
        .getVariables()
        .map((v) => `$${v.name}`);
      const all = Array.from(new Set([...names, ...variables, ...value]));
      const needle = search.toLowerCase();
      return all
        .filter((name) => name.toLowerCase().includes(needle))
        .map((name) => ({
          value: name,
          label: name,
          description: variables.includes(name) ? 'Template variable' : undefined,
        }));
    },
    [load, label, value]
  );

  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} error={problem} invalid={Boolean(problem)}>
      <MultiCombobox
        id={id}
        width="auto"
        minWidth={30}
        maxWidth={80}
        placeholder="All"
        options={options}
        value={value}
        createCustomValue
        isClearable
        onChange={(selected) => onChange(selected.map((o) => o.value))}
      />
    </InlineField>
  );
}

function errorMessage(err: unknown): string {
  if (isFetchError<{ error?: string; message?: string }>(err)) {
    return err.data?.error ?? err.data?.message ?? err.statusText ?? `HTTP ${err.status}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function ModelsPicker({ query, datasource, onChange }: EditorProps) {
  const namespace = query.namespace;
  const load = useCallback(async () => {
    const res = await datasource.getModels(namespace);
    return { names: res.models, warnings: res.warnings ?? [] };
  }, [datasource, namespace]);
  return (
    <NamesPicker
      id={`models-${query.refId}`}
      label="Models"
      tooltip="Empty means all models. Multi-value template variables expand into the list."
      value={query.models ?? []}
      onChange={(models) => onChange({ ...query, models }, true)}
      load={load}
    />
  );
}

export function ScenariosPicker({ query, datasource, onChange }: EditorProps) {
  const load = useCallback(async () => {
    const res = await datasource.getScenarios();
    return { names: res.scenarios, warnings: res.warnings ?? [] };
  }, [datasource]);
  return (
    <NamesPicker
      id={`scenarios-${query.refId}`}
      label="Scenarios"
      tooltip="Workload shapes such as chat (64/64 tokens); empty means all."
      value={query.scenarios ?? []}
      onChange={(scenarios) => onChange({ ...query, scenarios }, true)}
      load={load}
    />
  );
}

export function NamespaceInput({ query, onChange, onRunQuery }: EditorProps) {
  return (
    <InlineField
      label="Namespace"
      labelWidth={LABEL_WIDTH}
      tooltip="Kubernetes namespace of the vLLM pods; empty means the data source's default namespace"
    >
      <Input
        id={`namespace-${query.refId}`}
        width={30}
        value={query.namespace ?? ''}
        placeholder="default of the data source"
        onChange={(e) => onChange({ ...query, namespace: e.currentTarget.value })}
        onBlur={onRunQuery}
      />
    </InlineField>
  );
}
