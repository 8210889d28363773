import {
  DataSourceInstanceSettings,
  DataSourcePluginMeta,
  PluginType,
  ScopedVars,
  TypedVariableModel,
} from '@grafana/data';
import { BackendSrv, BackendSrvRequest, FetchResponse, TemplateSrv } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';

import pluginJson from '../plugin.json';
import { RoiDataSourceOptions } from '../types';

export const DS_UID = 'roi-test-uid';

export function instanceSettings(
  jsonData: RoiDataSourceOptions = {}
): DataSourceInstanceSettings<RoiDataSourceOptions> {
  return {
    uid: DS_UID,
    type: pluginJson.id,
    name: 'Inference ROI',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: {
      id: pluginJson.id,
      name: pluginJson.name,
      type: PluginType.datasource,
      backend: true,
      annotations: true,
      module: 'public/plugins/inferenceroi-vllm-datasource/module.js',
      baseUrl: 'public/plugins/inferenceroi-vllm-datasource',
      info: {
        author: { name: 'Inference ROI' },
        description: '',
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
    } as DataSourcePluginMeta,
  };
}

/**
 * A template service with Grafana's interpolation rules for `$name`, `${name}` and `[[name]]`:
 * scoped variables win over dashboard variables, a format function receives the raw value (an
 * array for a multi-value variable), and without one a multi-value variable becomes `{a,b}`.
 */
export class FakeTemplateSrv implements TemplateSrv {
  constructor(private readonly values: Record<string, string | string[]>) {}

  getVariables(): TypedVariableModel[] {
    return Object.keys(this.values).map((name) => ({ name, type: 'custom' }) as TypedVariableModel);
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (target === undefined) {
      return '';
    }
    return target.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (match: string, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      const value: unknown = scopedVars?.[name]?.value ?? this.values[name];
      if (value === undefined) {
        return match;
      }
      if (typeof format === 'function') {
        return format(value);
      }
      return Array.isArray(value) ? `{${value.join(',')}}` : String(value);
    });
  }

  containsTemplate(target?: string): boolean {
    return target !== undefined && /\$\w+|\$\{\w+\}|\[\[\w+\]\]/.test(target);
  }

  updateTimeRange(): void {}
}

export type ResourceAnswer = { status: number; data: unknown };

/**
 * A BackendSrv whose fetch answers `/api/datasources/uid/<uid>/resources/<path>` from a table, as
 * Grafana's server would relay the plugin's CallResource answer; anything else is a 404. A key
 * "<METHOD> <path>" answers only that method, a key "<path>" every method. The table is read at
 * each call, so a test may change an answer between calls.
 */
export function fakeBackendSrv(answers: Record<string, ResourceAnswer>) {
  const fetch = jest.fn((req: BackendSrvRequest): Observable<FetchResponse> => {
    const path = req.url.replace(`/api/datasources/uid/${DS_UID}/resources/`, '');
    const answer = answers[`${req.method ?? 'GET'} ${path}`] ??
      answers[path] ?? { status: 404, data: { error: 'not found' } };
    const response = {
      status: answer.status,
      statusText: answer.status === 200 ? 'OK' : 'Error',
      ok: answer.status < 300,
      data: answer.data,
      headers: new Headers(),
      redirected: false,
      type: 'basic',
      url: req.url,
      config: req,
    } as FetchResponse;
    return answer.status < 300 ? of(response) : throwError(() => response);
  });
  return { fetch, srv: { fetch } as unknown as BackendSrv };
}
