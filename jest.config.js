// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // Editor tests re-render Grafana's form components on every key; on a 2-core CI machine one test
  // can take longer than jest's 5 s default.
  testTimeout: 30000,
  transform: {
    ...base.transform,
    // d3-color ≥ 3.1.1 (pulled in by @grafana/data and @grafana/ui) ships only `.mjs`, which the
    // scaffold's `(t|j)sx?` pattern does not transform.
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};
