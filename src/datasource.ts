import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { BackendSrvRequest, DataSourceWithBackend, getBackendSrv, getTemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import {
  DEFAULT_ANNOTATION_QUERY,
  DEFAULT_QUERY,
  KUBERNETES_DEFAULTS,
  LaunchSweepRequest,
  LaunchSweepResponse,
  MetricName,
  ModelsResponse,
  NamespacesResponse,
  ProbeRequest,
  ProbeResult,
  RoiDataSourceOptions,
  RoiQuery,
  ScenariosResponse,
  Sweep,
} from './types';
import { RoiVariableSupport } from './variables';

/**
 * Separates the values of a multi-value variable while interpolating; no model or scenario name
 * contains it, unlike "," or "|".
 */
const LIST_SEPARATOR = '\u001f';

/**
 * Calls whose failure the editor shows at its control: no toast on top of it (and none every few
 * seconds while a sweep is followed).
 */
const INLINE_ERRORS: Partial<BackendSrvRequest> = { showErrorAlert: false };

/** The sweep settings a launch form checks a request against before the backend does. */
export interface SweepDefaults {
  secondsPerStage: number;
  maxStages: number;
}

export class DataSource extends DataSourceWithBackend<RoiQuery, RoiDataSourceOptions> {
  readonly sweepDefaults: SweepDefaults;

  constructor(instanceSettings: DataSourceInstanceSettings<RoiDataSourceOptions>) {
    super(instanceSettings);
    // 0 or absent means the backend default, as in pkg/sweeps/settings.go ApplyDefaults.
    const k = instanceSettings.jsonData.kubernetes;
    this.sweepDefaults = {
      secondsPerStage: k?.secondsPerStage || KUBERNETES_DEFAULTS.secondsPerStage,
      maxStages: k?.maxStages || KUBERNETES_DEFAULTS.maxStages,
    };
    // Annotation queries use the query editor and the backend's `annotations` query type, whose
    // frames (time, timeEnd, title, text, tags) Grafana turns into run-window annotations.
    this.annotations = {
      getDefaultQuery: () => DEFAULT_ANNOTATION_QUERY,
    };
    this.variables = new RoiVariableSupport(this);
  }

  getDefaultQuery(_: CoreApp): Partial<RoiQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: RoiQuery): boolean {
    return Boolean(query.queryType);
  }

  applyTemplateVariables(query: RoiQuery, scopedVars: ScopedVars): RoiQuery {
    const templateSrv = getTemplateSrv();
    const replace = (text: string) => templateSrv.replace(text, scopedVars);
    const expandList = (list: string[] | undefined) => {
      if (list === undefined) {
        return undefined;
      }
      const values = list.flatMap((entry) =>
        templateSrv
          .replace(entry, scopedVars, (value: string | string[]) =>
            Array.isArray(value) ? value.join(LIST_SEPARATOR) : value
          )
          .split(LIST_SEPARATOR)
      );
      return Array.from(new Set(values.map((v) => v.trim()).filter((v) => v !== '')));
    };

    const out: RoiQuery = { ...query, models: expandList(query.models), scenarios: expandList(query.scenarios) };
    if (query.namespace !== undefined) {
      out.namespace = replace(query.namespace);
    }
    if (query.metric !== undefined) {
      out.metric = replace(query.metric) as MetricName;
    }
    if (query.legendFormat !== undefined) {
      out.legendFormat = replace(query.legendFormat);
    }
    if (query.targetLoad !== undefined) {
      out.targetLoad = interpolateNumber(replace(String(query.targetLoad)));
    }
    return out;
  }

  /** Model names from the results store, the deployments catalog and Prometheus (GET /models). */
  async getModels(namespace?: string): Promise<ModelsResponse> {
    const params = namespace ? { namespace: getTemplateSrv().replace(namespace) } : undefined;
    const res = await this.getResource<ModelsResponse>('models', params);
    return { models: res.models ?? [], warnings: res.warnings ?? [] };
  }

  /** Scenario names from the catalog and the stored runs (GET /scenarios). */
  async getScenarios(): Promise<ScenariosResponse> {
    const res = await this.getResource<ScenariosResponse>('scenarios');
    return { scenarios: res.scenarios ?? [], warnings: res.warnings ?? [] };
  }

  /** Namespaces with vLLM series, plus the configured default (GET /namespaces). */
  async getNamespaces(): Promise<NamespacesResponse> {
    const res = await this.getResource<NamespacesResponse>('namespaces');
    return { namespaces: res.namespaces ?? [], warnings: res.warnings ?? [] };
  }

  /** Starts a GuideLLM sweep Job, or returns the active one of the same model and scenario (POST /sweeps). */
  launchSweep(request: LaunchSweepRequest): Promise<LaunchSweepResponse> {
    return this.postResource<LaunchSweepResponse>('sweeps', request, INLINE_ERRORS);
  }

  /** One sweep with its progress and the last lines of its log (GET /sweeps/<name>). */
  async getSweep(name: string): Promise<Sweep> {
    const res = await this.getResource<{ sweep: Sweep }>(sweepPath(name), undefined, INLINE_ERRORS);
    return res.sweep;
  }

  /** Deletes a sweep's Job and its pod, which stops GuideLLM (DELETE /sweeps/<name>). */
  async cancelSweep(name: string): Promise<void> {
    // DataSourceWithBackend has no DELETE helper; this is the URL its helpers use.
    await lastValueFrom(
      getBackendSrv().fetch({
        ...INLINE_ERRORS,
        method: 'DELETE',
        url: `/api/datasources/uid/${this.uid}/resources/${sweepPath(name)}`,
        headers: this.getRequestHeaders(),
      })
    );
  }

  /** Streams one chat completion from each model side by side (POST /probe). */
  async probe(request: ProbeRequest): Promise<ProbeResult[]> {
    const res = await this.postResource<{ results: ProbeResult[] }>('probe', request, INLINE_ERRORS);
    return res.results ?? [];
  }
}

function sweepPath(name: string): string {
  return `sweeps/${encodeURIComponent(name)}`;
}

/**
 * The backend reads targetLoad as a number; empty means none (the backend says so in a notice).
 * Text that is no number after interpolation is sent as it is, so the backend names the field in
 * its error instead of the query silently losing its target.
 */
function interpolateNumber(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}
