import React, { useCallback, useMemo, useState } from 'react';
import { getTemplateSrv } from '@grafana/runtime';
import { Combobox, ComboboxOption, InlineField, MultiCombobox } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { errorMessage } from '../../errors';
import { RoiQuery } from '../../types';

export interface EditorProps {
  query: RoiQuery;
  datasource: DataSource;
  /** Changes the query; `run` also runs it (text inputs run on blur, not on each key). */
  onChange: (query: RoiQuery, run?: boolean) => void;
  onRunQuery: () => void;
}

export const LABEL_WIDTH = 16;

/** Loads names from a resource call, with the warnings the backend sent along. */
export type NamesLoader = () => Promise<{ names: string[]; warnings: string[] }>;

/**
 * The options of a picker fed by a resource call, filtered by what is typed: the loaded names, the
 * selected ones and, where a query is edited, the template variables. When the call fails the reason
 * becomes the picker's problem, and typing a name still works.
 */
function useNameOptions(what: string, load: NamesLoader, selected: string[], withVariables: boolean) {
  const [problem, setProblem] = useState<string>();

  const options = useCallback(
    async (search: string): Promise<ComboboxOption[]> => {
      let names: string[] = [];
      try {
        const res = await load();
        names = res.names;
        setProblem(res.warnings.length > 0 ? res.warnings.join('; ') : undefined);
      } catch (err) {
        setProblem(`Could not load the ${what} (${errorMessage(err)}); type names instead`);
      }
      const variables = withVariables
        ? getTemplateSrv()
            .getVariables()
            .map((v) => `$${v.name}`)
        : [];
      const all = Array.from(new Set([...names, ...variables, ...selected]));
      const needle = search.toLowerCase();
      return all
        .filter((name) => name.toLowerCase().includes(needle))
        .map((name) => ({
          value: name,
          label: name,
          description: variables.includes(name) ? 'Template variable' : undefined,
        }));
    },
    [load, what, selected, withVariables]
  );
  return { options, problem };
}

interface NamesPickerProps {
  id: string;
  label: string;
  tooltip: string;
  value: string[];
  onChange: (value: string[]) => void;
  load: NamesLoader;
}

/** A multi-select fed by a resource call; template variables and custom values work too. */
function NamesPicker({ id, label, tooltip, value, onChange, load }: NamesPickerProps) {
  const { options, problem } = useNameOptions(label.toLowerCase(), load, value, true);
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

export interface NamePickerProps {
  id: string;
  label: string;
  tooltip: string;
  /** Plural noun for the load error, e.g. "namespaces". */
  what: string;
  /** Empty: nothing picked. */
  value: string;
  onChange: (value: string) => void;
  load: NamesLoader;
  placeholder: string;
  /** Offer template variables: in query editors, not for actions such as launching a sweep. */
  withVariables: boolean;
  /** A validation message of the form; shown instead of a load problem. */
  error?: string;
}

/** A single-select fed by a resource call; custom values work too, and clearing it gives "". */
export function NamePicker({
  id,
  label,
  tooltip,
  what,
  value,
  onChange,
  load,
  placeholder,
  withVariables,
  error,
}: NamePickerProps) {
  const selected = useMemo(() => (value === '' ? [] : [value]), [value]);
  const { options, problem } = useNameOptions(what, load, selected, withVariables);
  const shown = error ?? problem;
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} error={shown} invalid={Boolean(shown)}>
      <Combobox
        id={id}
        width={40}
        placeholder={placeholder}
        options={options}
        value={value === '' ? null : value}
        createCustomValue
        isClearable
        onChange={(option) => onChange(option?.value ?? '')}
      />
    </InlineField>
  );
}

/** Loads the model names (GET /models), of one namespace when given. */
export function useModelsLoader(datasource: DataSource, namespace?: string): NamesLoader {
  return useCallback(async () => {
    const res = await datasource.getModels(namespace);
    return { names: res.models, warnings: res.warnings ?? [] };
  }, [datasource, namespace]);
}

/** Loads the scenario names (GET /scenarios). */
export function useScenariosLoader(datasource: DataSource): NamesLoader {
  return useCallback(async () => {
    const res = await datasource.getScenarios();
    return { names: res.scenarios, warnings: res.warnings ?? [] };
  }, [datasource]);
}

/** Loads the namespaces with vLLM series (GET /namespaces). */
export function useNamespacesLoader(datasource: DataSource): NamesLoader {
  return useCallback(async () => {
    const res = await datasource.getNamespaces();
    return { names: res.namespaces, warnings: res.warnings ?? [] };
  }, [datasource]);
}

export function ModelsPicker({ query, datasource, onChange }: EditorProps) {
  const load = useModelsLoader(datasource, query.namespace);
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
  const load = useScenariosLoader(datasource);
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

/** The namespace filter of the live query types; clearing it removes the key, so the default applies. */
export function NamespacePicker({ query, datasource, onChange }: EditorProps) {
  const load = useNamespacesLoader(datasource);
  return (
    <NamePicker
      id={`namespace-${query.refId}`}
      label="Namespace"
      tooltip="Kubernetes namespace of the vLLM pods; empty means the data source's default namespace. A template variable or any other name works too."
      what="namespaces"
      value={query.namespace ?? ''}
      placeholder="default of the data source"
      withVariables
      load={load}
      onChange={(namespace) => {
        const { namespace: _old, ...rest } = query;
        onChange(namespace === '' ? rest : { ...rest, namespace }, true);
      }}
    />
  );
}
