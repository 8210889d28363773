import { ComboboxOption } from '@grafana/ui';

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

/** Labels and units as the backend names the series (pkg/live/promql.go). */
export const METRIC_OPTIONS: Array<ComboboxOption<MetricName>> = [
  { value: 'ttft_p50', label: 'TTFT p50', description: 'Time to first token, median (seconds)' },
  { value: 'ttft_p95', label: 'TTFT p95', description: 'Time to first token, 95th percentile (seconds)' },
  { value: 'ttft_p99', label: 'TTFT p99', description: 'Time to first token, 99th percentile (seconds)' },
  { value: 'itl_p95', label: 'ITL p95', description: 'Inter-token latency, 95th percentile (seconds)' },
  { value: 'e2e_p95', label: 'E2E latency p95', description: 'Whole request, 95th percentile (seconds)' },
  {
    value: 'queue_time_p95',
    label: 'Queue time p95',
    description: 'Waiting before scheduling, 95th percentile (seconds)',
  },
  { value: 'requests_running', label: 'Requests running', description: 'Requests being processed (count)' },
  { value: 'requests_waiting', label: 'Requests waiting', description: 'Queued requests (count)' },
  {
    value: 'kv_cache_usage',
    label: 'KV cache usage',
    description: 'Average share of the KV cache in use (0-1, percent unit)',
  },
  { value: 'generation_tps', label: 'Output tokens/s', description: 'Generated tokens per second (tok/s)' },
  { value: 'prompt_tps', label: 'Prompt tokens/s', description: 'Prompt tokens per second (tok/s)' },
  { value: 'request_rate', label: 'Finished requests/s', description: 'Successful requests per second (req/s)' },
  { value: 'preemption_rate', label: 'Preemptions/s', description: 'Preempted requests per second (1/s)' },
  {
    value: 'gpu_utilization',
    label: 'GPU utilization',
    description: 'DCGM utilization of the model’s GPUs, averaged (0-1, percent unit)',
  },
  { value: 'gpu_power_watts', label: 'GPU power', description: 'DCGM power draw of the model’s GPUs, summed (W)' },
  { value: 'gpu_memory_used_bytes', label: 'GPU memory used', description: 'DCGM frame buffer in use, summed (bytes)' },
  { value: 'gpu_energy_joules', label: 'GPU energy', description: 'DCGM energy used in each rate window (J)' },
  { value: 'gpus', label: 'GPUs', description: 'GPUs attributed to the model’s pods (count)' },
];

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
