import { ComboboxOption } from '@grafana/ui';

import { schemaDef } from '../../settingsSchema';
import { MetricName, QueryType, RoiQuery, TrendMetric } from '../../types';

export const QUERY_TYPE_OPTIONS: Array<ComboboxOption<QueryType>> = [
  {
    value: 'breakingPoints',
    label: 'Breaking points',
    description: 'Per model and scenario: where the SLA breaks, capacity, cost per 1M tokens',
  },
  {
    value: 'roi',
    label: 'ROI',
    description: 'Replicas, GPUs and cost per deployment for a target load, and the verdict',
  },
  {
    value: 'curves',
    label: 'Load curves',
    description: 'TTFT/ITL p95 and throughput against offered load, for XY charts',
  },
  {
    value: 'trend',
    label: 'Capacity over time',
    description: 'One point per benchmark run: breaking point, capacity, cost; for panels and alert rules',
  },
  { value: 'runs', label: 'Runs', description: 'One row per benchmark stage of the stored GuideLLM reports' },
  { value: 'annotations', label: 'Run windows', description: 'Start and end of each benchmark run, as annotations' },
  { value: 'metrics', label: 'Live metric', description: 'One vLLM or DCGM metric over time, one series per model' },
  {
    value: 'efficiency',
    label: 'Live efficiency',
    description: 'Tokens per GPU, tokens per joule, live cost per 1M tokens, SLA status',
  },
  { value: 'status', label: 'Live status', description: 'One row per model: SLA status and the reason' },
  {
    value: 'sweeps',
    label: 'Sweeps',
    description: 'GuideLLM sweep Jobs: status, progress, failures; launch a new sweep from the editor',
  },
];

/** The benchmark-history types: filtered by models, scenarios and latestOnly. */
export const HISTORY_TYPES: QueryType[] = ['runs', 'curves', 'breakingPoints', 'roi', 'trend', 'annotations'];

/** The trend series, as the backend names them (pkg/analysis/trend.go). */
export const TREND_METRIC_OPTIONS: Array<ComboboxOption<TrendMetric>> = [
  { value: 'breaking_point', label: 'Breaking point', description: 'Load where the SLA breaks (req/s or streams)' },
  { value: 'capacity_output_tps', label: 'Output tok/s at break', description: 'Capacity in output tokens per second' },
  { value: 'output_tps_per_gpu', label: 'Output tok/s per GPU', description: 'Capacity per GPU' },
  { value: 'cost_per_mtok_usd', label: 'Cost per 1M output tokens', description: 'USD at the breaking point' },
  {
    value: 'change_pct',
    label: 'Change vs previous run',
    description: 'Breaking point change in %; the regression alert watches it',
  },
];

/** The live metrics as the backend names them ($defs.liveMetric of settings.schema.json, from pkg/live). */
export const METRIC_OPTIONS: Array<ComboboxOption<MetricName>> = (schemaDef('liveMetric').oneOf ?? []).map((m) => ({
  value: m.const as MetricName,
  label: m.title ?? String(m.const),
  description: m.description,
}));

export const DEFAULT_METRIC: MetricName = 'ttft_p95';

/**
 * The query for another query type: keeps the DataQuery fields and the model filter, keeps the
 * other fields the new type reads, and drops the rest so the saved JSON holds only what is used.
 * `sweeps` reads nothing but its type.
 */
export function queryForType(query: RoiQuery, queryType: QueryType): RoiQuery {
  const { refId, datasource, hide, key, queryType: _old, models, ...rest } = query;
  const dataQuery: RoiQuery = { refId, datasource, hide, key, queryType };
  for (const k of Object.keys(dataQuery) as Array<keyof RoiQuery>) {
    if (dataQuery[k] === undefined) {
      delete dataQuery[k];
    }
  }
  if (queryType === 'sweeps') {
    return dataQuery;
  }
  const base: RoiQuery = { ...dataQuery, models: models ?? [] };
  if (HISTORY_TYPES.includes(queryType)) {
    const out: RoiQuery = { ...base, scenarios: rest.scenarios ?? [], latestOnly: rest.latestOnly ?? false };
    if (queryType === 'roi' && rest.targetLoad !== undefined) {
      out.targetLoad = rest.targetLoad;
    }
    if (queryType === 'trend') {
      delete out.latestOnly;
      if (rest.trendMetrics !== undefined) {
        out.trendMetrics = rest.trendMetrics;
      }
    }
    return out;
  }
  const live: RoiQuery = rest.namespace !== undefined ? { ...base, namespace: rest.namespace } : base;
  switch (queryType) {
    case 'metrics':
      return {
        ...live,
        metric: rest.metric ?? DEFAULT_METRIC,
        ...(rest.legendFormat !== undefined ? { legendFormat: rest.legendFormat } : {}),
      };
    case 'efficiency':
      return { ...live, instant: rest.instant ?? false };
    default:
      return live;
  }
}
