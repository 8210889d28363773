import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

import { boundsOf, numberDefault, setting, stringDefault } from './settingsSchema';

/**
 * Query types. The names are an API shared with the backend (pkg/models/query.go): dashboards and
 * alert rules depend on them.
 */
export type QueryType =
  | 'runs'
  | 'curves'
  | 'breakingPoints'
  | 'roi'
  | 'trend'
  | 'annotations'
  | 'metrics'
  | 'efficiency'
  | 'status'
  | 'sweeps';

/** Series of the `trend` query: one point per benchmark run (pkg/analysis/trend.go). */
export type TrendMetric =
  'breaking_point' | 'capacity_output_tps' | 'output_tps_per_gpu' | 'cost_per_mtok_usd' | 'change_pct';

/**
 * Live metric names of the `metrics` query type (a fixed API: $defs.liveMetric of
 * settings.schema.json, from pkg/live; a jest test holds this union to it).
 */
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
  /** trend: which series (empty means all). */
  trendMetrics?: TrendMetric[];
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

export type VariableKind = 'models' | 'scenarios' | 'namespaces';

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

/** jsonData.kubernetes.models[<model>]: how one model is reached and tokenized by a sweep. */
export interface KubernetesModelSettings {
  /** The model's OpenAI base URL; empty means the endpoint template. */
  endpoint?: string;
  /** Tokenizer GuideLLM loads (Hugging Face id or path in the image); empty means the model name. */
  processor?: string;
}

/** Requests and limits of the GuideLLM container (Kubernetes quantities such as 500m or 4Gi). */
export interface KubernetesResources {
  cpuRequest?: string;
  memoryRequest?: string;
  cpuLimit?: string;
  memoryLimit?: string;
}

/**
 * jsonData.kubernetes: GuideLLM sweeps as Kubernetes Jobs (pkg/sweeps/settings.go `Settings`) and
 * how the API server is reached (pkg/models/settings.go `KubernetesSettings`). Sweeps are off
 * while `namespace` is empty.
 */
export interface KubernetesSettings {
  namespace?: string;
  /** Fills {namespace} of the endpoint template; empty means `namespace`. */
  modelNamespace?: string;
  /** Jobs are instantiated from this CronJob's pod template instead of the built-in spec. */
  cronJobName?: string;
  image?: string;
  /** Selects the GuideLLM command line; empty means the version in the image tag. */
  guidellmVersion?: string;
  endpointTemplate?: string;
  secondsPerStage?: number;
  maxStages?: number;
  maxConcurrentSweeps?: number;
  ttlSecondsAfterFinished?: number;
  models?: Record<string, KubernetesModelSettings>;
  /** Secret in `namespace` whose key HF_TOKEN is given to GuideLLM (gated tokenizers). */
  hfTokenSecret?: string;
  /** PersistentVolumeClaim in `namespace` holding a Hugging Face cache, mounted read-only at hfHome (HF_HUB_OFFLINE=1). */
  hfCacheClaim?: string;
  /** Where hfCacheClaim is mounted and what HF_HOME points to; empty means the default. */
  hfHome?: string;
  resources?: KubernetesResources;
  /** https URL of the kube-apiserver; empty means Grafana's own pod service account (in-cluster). */
  apiServer?: string;
  /** PEM CA bundle of apiServer. */
  caCert?: string;
}

/**
 * The data source's jsonData, exactly as pkg/models/settings_json.go (SettingsJSON) defines it; a
 * jest test holds these interfaces to settings.schema.json. Fields stay optional
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
  kubernetes?: KubernetesSettings;
  sizing?: SizingSettings;
}

/** How roi sizes fleets (jsonData.sizing). */
export interface SizingSettings {
  /** 0 < u ≤ 1 (default 1): replicas = ceil(target load / (u × capacity)). */
  targetUtilization?: number;
}

/** secureJsonData: written by the editor, never read back. */
export interface RoiSecureJsonData {
  storeSecretKey?: string;
  /** Bearer token for kubernetes.apiServer. */
  kubernetesToken?: string;
  /** Bearer token the model endpoints want (sweep probe, GET /v1/models). */
  modelApiKey?: string;
}

/** Backend defaults, from settings.schema.json. */
export const DEFAULTS = {
  region: stringDefault('store.region'),
  maxObjectSizeMB: numberDefault('store.maxObjectSizeMB'),
  cacheSeconds: numberDefault('store.cacheSeconds'),
  metricPrefix: stringDefault('prometheus.metricPrefix') as MetricPrefix,
  scrapeIntervalSeconds: numberDefault('prometheus.scrapeIntervalSeconds'),
  targetUtilization: numberDefault('sizing.targetUtilization'),
} as const;

/** Defaults of the kubernetes settings, from settings.schema.json; shown as placeholders. */
export const KUBERNETES_DEFAULTS = {
  image: stringDefault('kubernetes.image'),
  endpointTemplate: stringDefault('kubernetes.endpointTemplate'),
  secondsPerStage: numberDefault('kubernetes.secondsPerStage'),
  maxStages: numberDefault('kubernetes.maxStages'),
  maxConcurrentSweeps: numberDefault('kubernetes.maxConcurrentSweeps'),
  ttlSecondsAfterFinished: numberDefault('kubernetes.ttlSecondsAfterFinished'),
  cpuRequest: stringDefault('kubernetes.resources.cpuRequest'),
  memoryRequest: stringDefault('kubernetes.resources.memoryRequest'),
  cpuLimit: stringDefault('kubernetes.resources.cpuLimit'),
  memoryLimit: stringDefault('kubernetes.resources.memoryLimit'),
  hfHome: stringDefault('kubernetes.hfHome'),
} as const;

/**
 * Bounds of a sweep request (pkg/sweeps/settings.go). The seconds per stage are those of the
 * kubernetes.secondsPerStage setting (settings.schema.json); the others bound only requests.
 */
export const SWEEP_LIMITS = {
  minSecondsPerStage: boundsOf('kubernetes.secondsPerStage').min,
  maxSecondsPerStage: boundsOf('kubernetes.secondsPerStage').max,
  maxRate: 1000,
  maxStreams: 512,
  maxSweepSeconds: 24 * 3600,
} as const;

/** Bounds of a probe request (pkg/probe/probe.go). */
export const PROBE_LIMITS = {
  maxPromptBytes: 16 << 10,
  maxOutputTokens: 2048,
  defaultMaxTokens: 256,
} as const;

/** The SLA that applies while jsonData.sla is absent (settings.schema.json). */
export const DEFAULT_SLA = Object.fromEntries(
  Object.entries(setting('sla').properties ?? {}).map(([key, node]) => [key, node.default])
) as unknown as SlaSettings;

/** The built-in workload shapes; a jsonData.scenarios row with the same name replaces one. */
export const BUILTIN_SCENARIOS = setting('scenarios')['x-builtin'] as ScenarioDef[];

/** GET /models and GET /scenarios answers (pkg/plugin/resources.go). */
export interface ModelsResponse {
  models: string[];
  warnings?: string[] | null;
}

export interface ScenariosResponse {
  scenarios: string[];
  warnings?: string[] | null;
}

export interface NamespacesResponse {
  namespaces: string[];
  warnings?: string[] | null;
}

/** Load profiles of a sweep (pkg/sweeps/request.go). */
export type SweepProfile = 'constant' | 'poisson' | 'concurrent' | 'sweep';

/** The body of POST /sweeps: `rates` for constant/poisson, `streams` for concurrent, `sweepSize` for sweep. */
export interface LaunchSweepRequest {
  model: string;
  scenario: string;
  profile: SweepProfile;
  rates?: number[];
  streams?: number[];
  sweepSize?: number;
  /** Absent: kubernetes.secondsPerStage. */
  secondsPerStage?: number;
}

export type SweepStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** How far a sweep got, read from its log (pkg/sweeps/status.go `Progress`). */
export interface SweepProgress {
  /** waiting, setup, benchmarking, writing, done or failed. */
  phase: string;
  /** 0: unknown. */
  stagesTotal: number;
  stagesDone: number;
  /** stagesDone is estimated from the time since the first stage began. */
  estimated?: boolean;
  note?: string;
}

/** One sweep Job (pkg/sweeps/status.go `Sweep`). Times are RFC 3339. */
export interface Sweep {
  name: string;
  namespace: string;
  model?: string;
  scenario?: string;
  profile?: string;
  rates?: number[];
  streams?: number[];
  sweepSize?: number;
  secondsPerStage?: number;
  requestedBy?: string;
  cronJob?: string;
  status: SweepStatus;
  created: string;
  started?: string;
  finished?: string;
  progress: SweepProgress;
  failureReason?: string;
  /** stored, failed or unreadable once the ingestion looked at the Job. */
  ingest?: string;
  reportKey?: string;
  ingestError?: string;
  logTail?: string[];
}

/** POST /sweeps answer: created=false when a sweep of the same model and scenario is still active. */
export interface LaunchSweepResponse {
  sweep: Sweep;
  created: boolean;
}

/** The body of POST /probe. */
export interface ProbeRequest {
  models: string[];
  prompt: string;
  /** 0 or absent: the backend default (256). */
  maxTokens?: number;
}

/** One model's answer to a probe (pkg/probe/probe.go `Result`). */
export interface ProbeResult {
  model: string;
  endpoint: string;
  ttftMs: number;
  itlMs: number;
  tokens: number;
  /** usage: counted by the server; chunks: streamed chunks, a lower bound. */
  tokensSource: string;
  promptTokens?: number;
  chunks: number;
  totalMs: number;
  text: string;
  truncated: boolean;
  finishReason?: string;
  error?: string;
}
