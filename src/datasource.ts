import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import {
  DEFAULT_ANNOTATION_QUERY,
  DEFAULT_QUERY,
  MetricName,
  ModelsResponse,
  RoiDataSourceOptions,
  RoiQuery,
  ScenariosResponse,
} from './types';
import { RoiVariableSupport } from './variables';

/**
 * Separates the values of a multi-value variable while interpolating; no model or scenario name
 * contains it, unlike "," or "|".
 */
const LIST_SEPARATOR = '\u001f';

export class DataSource extends DataSourceWithBackend<RoiQuery, RoiDataSourceOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<RoiDataSourceOptions>) {
    super(instanceSettings);
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
