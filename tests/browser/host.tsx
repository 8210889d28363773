// The page the browser test loads: it stands in for Grafana's plugin loader. It provides the
// modules Grafana shares with plugins (the real @grafana/* packages from npm), loads the built
// dist/module.js through its AMD define(), and renders the plugin's config editor or one query
// editor, chosen by the URL hash (#config or #query=<type>).
import './boot';

import React, { useState } from 'react';
import * as ReactNamespace from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUI from '@grafana/ui';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

import type {
  CoreApp as CoreAppType,
  DataSourceInstanceSettings,
  DataSourcePlugin,
  DataSourceSettings,
} from '@grafana/data';
import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';

/** What Grafana's SystemJS loader hands to a plugin (sharedDependencies.ts), as far as this page needs. */
const SHARED_MODULES: Record<string, unknown> = {
  react: ReactNamespace,
  'react-dom': ReactDOM,
  '@emotion/css': emotionCss,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUI,
  rxjs,
  'rxjs/operators': rxjsOperators,
};

type AnyPlugin = DataSourcePlugin<any, any, any, any>;
type Define = ((deps: string[], factory: (...modules: unknown[]) => { plugin: AnyPlugin }) => void) & { amd?: boolean };

/** Loads dist/module.js as Grafana does: an AMD module whose dependencies are the shared modules. */
function loadPlugin(): Promise<AnyPlugin> {
  return new Promise((resolve, reject) => {
    const define: Define = (deps, factory) => {
      try {
        const modules = deps.map((name) => {
          if (name === 'module') {
            return { uri: '/dist/module.js' };
          }
          if (!(name in SHARED_MODULES)) {
            throw new Error(`module.js asks for "${name}", which this page does not provide`);
          }
          return SHARED_MODULES[name];
        });
        resolve(factory(...modules).plugin);
      } catch (e) {
        reject(e);
      }
    };
    define.amd = true;
    (window as unknown as { define: Define }).define = define;
    const script = document.createElement('script');
    script.src = '/dist/module.js';
    script.onerror = () => reject(new Error('dist/module.js did not load'));
    document.head.appendChild(script);
  });
}

/** Grafana's backend service, sending the requests to this page's origin (the test answers them). */
function backendSrv(): BackendSrv {
  const fetchResponse = async <T,>(options: BackendSrvRequest): Promise<FetchResponse<T>> => {
    const query = options.params ? `?${new URLSearchParams(options.params as Record<string, string>)}` : '';
    const res = await window.fetch(`${options.url}${query}`, {
      method: options.method ?? 'GET',
      headers: { 'Content-Type': 'application/json' },
      body: options.data === undefined ? undefined : JSON.stringify(options.data),
    });
    const text = await res.text();
    const response: FetchResponse<T> = {
      data: (text ? JSON.parse(text) : undefined) as T,
      status: res.status,
      statusText: res.statusText,
      ok: res.ok,
      headers: res.headers,
      redirected: res.redirected,
      type: res.type,
      url: res.url,
      config: options,
    };
    if (!res.ok) {
      throw response;
    }
    return response;
  };
  const data = <T,>(options: BackendSrvRequest) => fetchResponse<T>(options).then((r) => r.data);
  const srv: Partial<BackendSrv> = {
    fetch: <T,>(options: BackendSrvRequest) => rxjs.from(fetchResponse<T>(options)),
    datasourceRequest: fetchResponse,
    request: data,
    get: (url: string, params?: any) => data({ url, params }),
    delete: (url: string, data_?: unknown) => data({ url, method: 'DELETE', data: data_ }),
    post: (url: string, data_?: unknown) => data({ url, method: 'POST', data: data_ }),
    put: (url: string, data_?: unknown) => data({ url, method: 'PUT', data: data_ }),
    patch: (url: string, data_?: unknown) => data({ url, method: 'PATCH', data: data_ }),
    resolveCancelerIfExists: () => {},
  };
  return srv as BackendSrv;
}

const templateSrv = {
  getVariables: () => [],
  replace: (target?: string) => target ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => {},
};

async function main() {
  const root = document.getElementById('root')!;
  const [settings, queries, meta] = await Promise.all(
    ['/fixtures/datasource.json', '/fixtures/queries.json', '/dist/plugin.json'].map((u) =>
      window.fetch(u).then((r) => r.json())
    )
  );
  grafanaRuntime.setBackendSrv(backendSrv());
  grafanaRuntime.setTemplateSrv(templateSrv as unknown as grafanaRuntime.TemplateSrv);
  const plugin = await loadPlugin();
  plugin.meta = meta;

  const instanceSettings: DataSourceInstanceSettings = {
    id: settings.id,
    uid: settings.uid,
    type: settings.type,
    name: settings.name,
    access: settings.access,
    url: settings.url,
    jsonData: settings.jsonData,
    readOnly: false,
    meta,
  };
  const datasource = new plugin.DataSourceClass(instanceSettings);
  const hash = new URLSearchParams(window.location.hash.slice(1));
  const queryType = hash.get('query');

  const ConfigHost = () => {
    const [options, setOptions] = useState<DataSourceSettings>(settings);
    const Editor = plugin.components.ConfigEditor!;
    return <Editor options={options} onOptionsChange={setOptions} />;
  };
  const QueryHost = ({ type }: { type: string }) => {
    const [query, setQuery] = useState({ refId: 'A', queryType: type, ...(queries[type] ?? {}) });
    const Editor = plugin.components.QueryEditor!;
    return (
      <Editor
        query={query}
        datasource={datasource}
        onChange={setQuery}
        onRunQuery={() => {}}
        app={'panel-editor' as CoreAppType}
      />
    );
  };

  const theme = grafanaData.createTheme();
  Object.assign(document.body.style, {
    margin: '0',
    background: theme.colors.background.canvas,
    color: theme.colors.text.primary,
    fontFamily: theme.typography.fontFamily,
    fontSize: `${theme.typography.fontSize}px`,
  });
  createRoot(root).render(
    <grafanaData.ThemeContext.Provider value={theme}>
      <div
        id="editor"
        style={{ padding: 16, width: 1000, background: theme.colors.background.primary }}
        data-editor={queryType ?? 'config'}
      >
        {queryType ? <QueryHost type={queryType} /> : <ConfigHost />}
      </div>
    </grafanaData.ThemeContext.Provider>
  );
}

main().catch((e) => {
  // The test fails on any console error; this one says why the page did not render.
  console.error(`host page: ${e instanceof Error ? e.stack : String(e)}`);
});
