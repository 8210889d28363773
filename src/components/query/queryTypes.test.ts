import fs from 'fs';
import path from 'path';

import { RoiQuery } from '../../types';
import { METRIC_OPTIONS, QUERY_TYPE_OPTIONS, queryForType } from './queryTypes';

/** Reads a Go source file of the backend, which defines the names this editor must offer. */
const goSource = (file: string) => fs.readFileSync(path.resolve(__dirname, '../../..', file), 'utf8');

describe('queryForType', () => {
  const full: RoiQuery = {
    refId: 'A',
    datasource: { type: 'inferenceroi-vllm-datasource', uid: 'roi' },
    queryType: 'roi',
    models: ['m'],
    scenarios: ['chat'],
    latestOnly: true,
    targetLoad: '$target_load',
    metric: 'itl_p95',
    namespace: 'llm',
    legendFormat: '{{model}}',
    instant: true,
  };
  const ds = full.datasource;

  it('keeps the history filters between history types and targetLoad only for roi', () => {
    expect(queryForType(full, 'breakingPoints')).toEqual({
      refId: 'A',
      datasource: ds,
      queryType: 'breakingPoints',
      models: ['m'],
      scenarios: ['chat'],
      latestOnly: true,
    });
    expect(queryForType(full, 'roi')).toEqual({
      refId: 'A',
      datasource: ds,
      queryType: 'roi',
      models: ['m'],
      scenarios: ['chat'],
      latestOnly: true,
      targetLoad: '$target_load',
    });
  });

  it('keeps what each live type reads', () => {
    expect(queryForType(full, 'metrics')).toEqual({
      refId: 'A',
      datasource: ds,
      queryType: 'metrics',
      models: ['m'],
      namespace: 'llm',
      metric: 'itl_p95',
      legendFormat: '{{model}}',
    });
    expect(queryForType(full, 'efficiency')).toEqual({
      refId: 'A',
      datasource: ds,
      queryType: 'efficiency',
      models: ['m'],
      namespace: 'llm',
      instant: true,
    });
    expect(queryForType(full, 'status')).toEqual({
      refId: 'A',
      datasource: ds,
      queryType: 'status',
      models: ['m'],
      namespace: 'llm',
    });
  });

  it('keeps nothing but the DataQuery fields for sweeps', () => {
    expect(queryForType(full, 'sweeps')).toEqual({ refId: 'A', datasource: ds, queryType: 'sweeps' });
    expect(queryForType({ refId: 'A', queryType: 'sweeps' }, 'status')).toEqual({
      refId: 'A',
      queryType: 'status',
      models: [],
    });
  });

  it('fills the defaults a new type needs', () => {
    expect(queryForType({ refId: 'A' }, 'metrics')).toEqual({
      refId: 'A',
      queryType: 'metrics',
      models: [],
      metric: 'ttft_p95',
    });
    expect(queryForType({ refId: 'A' }, 'runs')).toEqual({
      refId: 'A',
      queryType: 'runs',
      models: [],
      scenarios: [],
      latestOnly: false,
    });
  });
});

describe('names shared with the backend', () => {
  it('offers exactly the query types of pkg/models/query.go', () => {
    const goTypes = Array.from(goSource('pkg/models/query.go').matchAll(/QueryType\w+\s*=\s*"(\w+)"/g), (m) => m[1]);
    expect(goTypes.length).toBeGreaterThan(0);
    expect(QUERY_TYPE_OPTIONS.map((o) => o.value).sort()).toEqual(goTypes.sort());
  });

  it('offers exactly the metrics of pkg/live/promql.go, in its order', () => {
    const block = goSource('pkg/live/promql.go').match(/var metricNames = \[\]string\{([^}]*)\}/);
    expect(block).not.toBeNull();
    const goMetrics = Array.from(block![1].matchAll(/"(\w+)"/g), (m) => m[1]);
    expect(METRIC_OPTIONS.map((o) => o.value)).toEqual(goMetrics);
  });
});
