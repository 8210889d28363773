import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/**
 * Query types. The names are an API shared with the backend (pkg/models/query.go): dashboards and
 * alert rules depend on them.
 */
export type QueryType =
  'runs' | 'curves' | 'breakingPoints' | 'roi' | 'annotations' | 'metrics' | 'efficiency' | 'status';

/** Live metric names of the `metrics` query type (a fixed API, see pkg/models/query.go). */
export type MetricName =
  | 'ttft_p50'
  | 'ttft_p95'
  | 'ttft_p99'
  | 'itl_p95'
  | 'e2e_p95'
  | 'queue_time_p95'
  | 'requests_running'
  | 'requests_waiting'
  | 'kv_cache_usage'
  | 'generation_tps'
  | 'prompt_tps'
  | 'request_rate'
  | 'preemption_rate'
  | 'gpu_utilization'
  | 'gpu_power_watts'
  | 'gpu_memory_used_bytes'
  | 'gpu_energy_joules'
  | 'gpus';

/** The query JSON a panel sends. Fields a query type does not use are left out of it. */
export interface RoiQuery extends DataQuery {
  queryType?: QueryType;
  /** Model names; empty means all. Entries may hold template variables (multi-value ones expand). */
  models?: string[];
  /** Scenario names (benchmark history types); empty means all. */
  scenarios?: string[];
  /** Only the newest run per model and scenario (benchmark history types). */
  latestOnly?: boolean;
  /**
   * roi: the load to plan for, in the load axis' unit (req/s, or concurrent users for concurrency
   * sweeps). A string holds a template variable such as `$target_load`; it is sent as a number.
   */
  targetLoad?: number | string;
  /** metrics: which live metric. */
  metric?: MetricName;
  /** Live types: Kubernetes namespace filter; empty means the data source's default namespace. */
  namespace?: string;
  /** metrics: series name template, e.g. `{{model}}`. */
  legendFormat?: string;
  /** efficiency: one table row per model instead of time series. */
  instant?: boolean;
}

/** The query Explore and new panels open with. */
export const DEFAULT_QUERY: Partial<RoiQuery> = {
  queryType: 'breakingPoints',
  models: [],
  scenarios: [],
  latestOnly: false,
};

/** The annotation query a new annotation opens with: benchmark run windows. */
export const DEFAULT_ANNOTATION_QUERY: Partial<RoiQuery> = {
  queryType: 'annotations',
  models: [],
  scenarios: [],
  latestOnly: false,
};

export type VariableKind = 'models' | 'scenarios';

/** The query of a template variable: which names it lists. */
export interface RoiVariableQuery extends DataQuery {
  kind?: VariableKind;
  /** models: Prometheus namespace filter (may hold a variable). */
  namespace?: string;
}

/** jsonData.store: the S3-compatible bucket that holds GuideLLM reports. */
export interface StoreSettings {
  /** host[:port], no scheme. */
  endpoint?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
  useTLS?: boolean;
  accessKey?: string;
  maxObjectSizeMB?: number;
  cacheSeconds?: number;
}

/** One entry of the deployments catalog (jsonData.deployments). */
export interface Deployment {
  model: string;
  gpus: number;
  gpuType: string;
  quantization: string;
}

/** SLA thresholds (jsonData.sla). Latencies in ms; maxErrorRate is a fraction (0.01 = 1 %). */
export interface SlaSettings {
  ttftExcellentMs: number;
  ttftAcceptableMs: number;
  ttftBreakingMs: number;
  itlExcellentMs: number;
  itlAcceptableMs: number;
  itlBreakingMs: number;
  maxErrorRate: number;
}

/** A prompt/output token shape (jsonData.scenarios extends the built-in ones). */
export interface ScenarioDef {
  name: string;
  promptTokens: number;
  outputTokens: number;
}

export type MetricPrefix = 'vllm:' | 'kserve_vllm:';

/** jsonData.prometheus: how live metrics are read. The data source URL is the Thanos/Prometheus URL. */
export interface PrometheusSettings {
  /** OpenShift tenancy port mode (9092): every request carries namespace=<this>. */
  tenancyNamespace?: string;
  metricPrefix?: MetricPrefix;
  /** Default namespace filter of live queries. */
  namespace?: string;
  scrapeIntervalSeconds?: number;
}

/**
 * The data source's jsonData, exactly as pkg/models/settings.go parses it. Fields stay optional
 * because a new data source starts empty; the backend applies the defaults below.
 */
export interface RoiDataSourceOptions extends DataSourceJsonData {
  store?: StoreSettings;
  deployments?: Array<Partial<Deployment>>;
  /** GPU type → USD per GPU-hour. */
  gpuPrices?: Record<string, number>;
  /** All seven thresholds are set together, or the key is absent (then the defaults apply). */
  sla?: Partial<SlaSettings>;
  scenarios?: Array<Partial<ScenarioDef>>;
  prometheus?: PrometheusSettings;
}

/** secureJsonData: written by the editor, never read back. */
export interface RoiSecureJsonData {
  storeSecretKey?: string;
}

/** Backend defaults (pkg/models/settings.go, pkg/analysis/config.go). */
export const DEFAULTS = {
  region: 'us-east-1',
  maxObjectSizeMB: 64,
  cacheSeconds: 30,
  metricPrefix: 'vllm:' as MetricPrefix,
  scrapeIntervalSeconds: 30,
} as const;

export const DEFAULT_SLA: SlaSettings = {
  ttftExcellentMs: 500,
  ttftAcceptableMs: 1000,
  ttftBreakingMs: 2000,
  itlExcellentMs: 20,
  itlAcceptableMs: 50,
  itlBreakingMs: 100,
  maxErrorRate: 0.01,
};

/** The built-in workload shapes; a jsonData.scenarios row with the same name replaces one. */
export const BUILTIN_SCENARIOS: ScenarioDef[] = [
  { name: 'chat', promptTokens: 64, outputTokens: 64 },
  { name: 'summarization', promptTokens: 512, outputTokens: 128 },
  { name: 'code-gen', promptTokens: 128, outputTokens: 256 },
  { name: 'stress', promptTokens: 256, outputTokens: 256 },
];

/** GET /models and GET /scenarios answers (pkg/plugin/resources.go). */
export interface ModelsResponse {
  models: string[];
  warnings?: string[] | null;
}

export interface ScenariosResponse {
  scenarios: string[];
  warnings?: string[] | null;
}
