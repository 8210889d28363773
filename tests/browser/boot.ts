// Grafana's page sets window.grafanaBootData before any plugin code runs; @grafana/runtime reads it
// when its config module is evaluated, so this module is imported first.
declare global {
  interface Window {
    grafanaBootData: unknown;
  }
}

window.grafanaBootData = {
  assets: { dark: '', light: '' },
  navTree: [],
  user: {
    id: 1,
    login: 'editor',
    orgId: 1,
    orgRole: 'Editor',
    isSignedIn: true,
    theme: 'dark',
    timezone: 'utc',
    locale: 'en-US',
    language: 'en-US',
  },
  settings: {
    appSubUrl: '',
    buildInfo: { version: '12.4.10', edition: 'Open Source', env: 'production' },
    featureToggles: {},
    datasources: {},
    panels: {},
  },
};

export {};
