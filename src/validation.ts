import { boundsOf, matchesSetting, maxLengthOf, patternOf, setting } from './settingsSchema';
import {
  KUBERNETES_DEFAULTS,
  KubernetesResources,
  KubernetesSettings,
  RoiDataSourceOptions,
  RoiSecureJsonData,
  SlaSettings,
} from './types';

/**
 * Field path → message. Paths: `store.endpoint`, `deployments.0.gpus`, `sla.ttftExcellentMs`,
 * `scenarios.1.name`, `prometheus.namespace`, `kubernetes.resources.cpuLimit`, `storeSecretKey`, ...
 */
export type SettingsErrors = Record<string, string>;

/** Which secure fields hold a value (configured before, or typed now). */
export type SecretsSet = Partial<Record<keyof RoiSecureJsonData, boolean>>;

/**
 * validateSettings mirrors the checks of pkg/models/settings.go (LoadSettings), so the editor marks
 * at the field what the backend would refuse when the data source is saved. Absent numbers take the
 * backend's defaults and are therefore valid. Rows kept in an editor's own state (GPU prices, the
 * per-model sweep overrides) are checked by their own functions below.
 */
export function validateSettings(jsonData: RoiDataSourceOptions, secrets: SecretsSet): SettingsErrors {
  return {
    ...validateStore(jsonData, Boolean(secrets.storeSecretKey)),
    ...validateDeployments(jsonData),
    ...validateSla(jsonData.sla),
    ...validateScenarios(jsonData),
    ...validatePrometheus(jsonData),
    ...validateKubernetes(jsonData.kubernetes ?? {}, Boolean(secrets.kubernetesToken)),
    ...validateSizing(jsonData),
  };
}

/** sizing.targetUtilization: absent means the default (no headroom); otherwise min < u ≤ max. */
function validateSizing(jsonData: RoiDataSourceOptions): SettingsErrors {
  const u = jsonData.sizing?.targetUtilization;
  const { min, max } = boundsOf('sizing.targetUtilization');
  if (u === undefined || (u > min && u <= max)) {
    return {};
  }
  return {
    'sizing.targetUtilization': `Must be more than ${min} and at most ${max} (0.8 = size fleets to run at 80 % of capacity)`,
  };
}

function validateStore(jsonData: RoiDataSourceOptions, secretConfigured: boolean): SettingsErrors {
  const errors: SettingsErrors = {};
  const store = jsonData.store ?? {};
  const endpoint = (store.endpoint ?? '').trim();
  const bucket = (store.bucket ?? '').trim();
  if (endpoint !== '' || bucket !== '') {
    if (endpoint === '') {
      errors['store.endpoint'] = 'Required: host:port of the S3 server, e.g. minio.storage.svc:9000';
    } else if (endpoint.includes('://')) {
      errors['store.endpoint'] = 'Give host:port without a scheme; switch on TLS for https';
    } else if (/[/?#@ ]/.test(endpoint)) {
      errors['store.endpoint'] = 'Give host[:port] only, without a path, query or credentials';
    } else if (/^(\[[^\]]*\]|[^:[\]]*):$/.test(endpoint)) {
      errors['store.endpoint'] = 'The port after ":" is empty';
    }
    if (bucket === '' || !matchesSetting('store.bucket', bucket)) {
      errors['store.bucket'] = 'Not a valid S3 bucket name: 3-63 characters of a-z, 0-9, "." and "-"';
    }
    if ((store.accessKey ?? '') === '') {
      errors['store.accessKey'] = 'Required when a results store is configured';
    }
    if (!secretConfigured) {
      errors.storeSecretKey = 'Required when a results store is configured';
    }
  }
  checkWholeNumberSetting(errors, 'store.maxObjectSizeMB', store.maxObjectSizeMB);
  checkWholeNumberSetting(errors, 'store.cacheSeconds', store.cacheSeconds);
  return errors;
}

function validateDeployments(jsonData: RoiDataSourceOptions): SettingsErrors {
  const errors: SettingsErrors = {};
  const seen = new Set<string>();
  (jsonData.deployments ?? []).forEach((d, i) => {
    const model = d.model ?? '';
    if (model.trim() === '') {
      errors[`deployments.${i}.model`] = 'Required';
    } else if (seen.has(model)) {
      errors[`deployments.${i}.model`] = `"${model}" is listed twice`;
    }
    seen.add(model);
    checkWholeNumberSetting(errors, 'deployments[].gpus', d.gpus, `deployments.${i}.gpus`);
  });
  return errors;
}

/** excellent ≤ acceptable ≤ breaking, for TTFT and ITL (x-ordered of the schema's sla). */
const SLA_ORDERS = (setting('sla')['x-ordered'] ?? []) as Array<
  [keyof SlaSettings, keyof SlaSettings, keyof SlaSettings]
>;

/** The backend checks 0 < excellent ≤ acceptable ≤ breaking once `sla` is present at all. */
function validateSla(sla: Partial<SlaSettings> | undefined): SettingsErrors {
  const errors: SettingsErrors = {};
  if (!sla) {
    return errors;
  }
  for (const [excellent, acceptable, breaking] of SLA_ORDERS) {
    for (const key of [excellent, acceptable, breaking]) {
      const v = sla[key];
      if (v === undefined) {
        errors[`sla.${key}`] = 'Required once any threshold is set';
      } else if (!(v > boundsOf(`sla.${key}`).min)) {
        errors[`sla.${key}`] = `Must be greater than ${boundsOf(`sla.${key}`).min} ms`;
      }
    }
    const [e, a, b] = [sla[excellent], sla[acceptable], sla[breaking]];
    if (e !== undefined && a !== undefined && e > a && !errors[`sla.${excellent}`]) {
      errors[`sla.${excellent}`] = `Must not exceed acceptable (${a} ms)`;
    }
    if (a !== undefined && b !== undefined && a > b && !errors[`sla.${acceptable}`]) {
      errors[`sla.${acceptable}`] = `Must not exceed breaking (${b} ms)`;
    }
  }
  const rate = sla.maxErrorRate;
  const { min, max } = boundsOf('sla.maxErrorRate');
  if (rate === undefined) {
    errors['sla.maxErrorRate'] = 'Required once any threshold is set';
  } else if (!(rate >= min && rate <= max)) {
    errors['sla.maxErrorRate'] = `Must be between ${min * 100} % and ${max * 100} %`;
  }
  return errors;
}

function validateScenarios(jsonData: RoiDataSourceOptions): SettingsErrors {
  const errors: SettingsErrors = {};
  const seen = new Set<string>();
  (jsonData.scenarios ?? []).forEach((s, i) => {
    const name = s.name ?? '';
    if (name.trim() === '') {
      errors[`scenarios.${i}.name`] = 'Required';
    } else if (seen.has(name)) {
      errors[`scenarios.${i}.name`] = `"${name}" is listed twice`;
    }
    seen.add(name);
    for (const key of ['promptTokens', 'outputTokens'] as const) {
      checkWholeNumberSetting(errors, `scenarios[].${key}`, s[key], `scenarios.${i}.${key}`);
    }
  });
  return errors;
}

function validatePrometheus(jsonData: RoiDataSourceOptions): SettingsErrors {
  const errors: SettingsErrors = {};
  const p = jsonData.prometheus ?? {};
  const prefixes = setting('prometheus.metricPrefix').enum ?? [];
  if (p.metricPrefix !== undefined && !prefixes.includes(p.metricPrefix)) {
    errors['prometheus.metricPrefix'] = `Must be ${prefixes.map((v) => `"${v}"`).join(' or ')}`;
  }
  checkWholeNumberSetting(errors, 'prometheus.scrapeIntervalSeconds', p.scrapeIntervalSeconds);
  for (const key of ['tenancyNamespace', 'namespace'] as const) {
    const v = p[key];
    if (v && !matchesSetting(`prometheus.${key}`, v)) {
      errors[`prometheus.${key}`] = NAMESPACE_MESSAGE;
    }
  }
  return errors;
}

const NAMESPACE_MESSAGE = `Not a Kubernetes namespace name: at most ${maxLengthOf('kubernetes.namespace')} characters of a-z, 0-9 and "-"`;

/**
 * kubernetes.*: pkg/models/settings.go validateKubernetes and pkg/sweeps/settings.go Validate. The
 * backend checks nothing while sweeps are off (no namespace), except that an API server or a
 * CronJob needs one.
 */
function validateKubernetes(k: KubernetesSettings, tokenSet: boolean): SettingsErrors {
  const errors: SettingsErrors = {};
  const namespace = (k.namespace ?? '').trim();
  const apiServer = k.apiServer ?? '';
  const cronJobName = (k.cronJobName ?? '').trim();
  if (namespace === '') {
    if (apiServer === '' && cronJobName === '') {
      return errors;
    }
    errors['kubernetes.namespace'] = 'Required: the namespace the GuideLLM Jobs run in';
  } else if (!matchesSetting('kubernetes.namespace', namespace)) {
    errors['kubernetes.namespace'] = NAMESPACE_MESSAGE;
  }
  const modelNamespace = (k.modelNamespace ?? '').trim();
  if (modelNamespace !== '' && !matchesSetting('kubernetes.modelNamespace', modelNamespace)) {
    errors['kubernetes.modelNamespace'] = NAMESPACE_MESSAGE;
  }
  if (cronJobName !== '' && !matchesSetting('kubernetes.cronJobName', cronJobName)) {
    errors['kubernetes.cronJobName'] =
      `Not a CronJob name: a lowercase DNS name of at most ${maxLengthOf('kubernetes.cronJobName')} characters`;
  }
  const image = (k.image ?? '').trim() || KUBERNETES_DEFAULTS.image;
  if (hasSpaceOrControl(image)) {
    errors['kubernetes.image'] = 'Not a container image reference: no spaces';
  }
  Object.assign(errors, validateGeneration(image, (k.guidellmVersion ?? '').trim()));
  const template = (k.endpointTemplate ?? '').trim() || KUBERNETES_DEFAULTS.endpointTemplate;
  const templateProblem = endpointTemplateProblem(template);
  if (templateProblem) {
    errors['kubernetes.endpointTemplate'] = templateProblem;
  }
  for (const key of ['secondsPerStage', 'maxStages', 'maxConcurrentSweeps', 'ttlSecondsAfterFinished'] as const) {
    checkWholeNumberSetting(errors, `kubernetes.${key}`, k[key]);
  }
  const secret = k.hfTokenSecret ?? '';
  if (secret !== '' && !matchesSetting('kubernetes.hfTokenSecret', secret)) {
    errors['kubernetes.hfTokenSecret'] =
      `Not a Secret name: a lowercase DNS name of at most ${maxLengthOf('kubernetes.hfTokenSecret')} characters`;
  }
  const cacheClaim = (k.hfCacheClaim ?? '').trim();
  if (cacheClaim !== '' && !matchesSetting('kubernetes.hfCacheClaim', cacheClaim)) {
    errors['kubernetes.hfCacheClaim'] =
      `Not a PersistentVolumeClaim name: a lowercase DNS name of at most ${maxLengthOf('kubernetes.hfCacheClaim')} characters`;
  }
  if (!validHfHome((k.hfHome ?? '').trim() || KUBERNETES_DEFAULTS.hfHome)) {
    errors['kubernetes.hfHome'] =
      `Must be an absolute, clean path without spaces, outside /tmp and /results (e.g. ${KUBERNETES_DEFAULTS.hfHome})`;
  }
  Object.assign(errors, validateResources(k.resources ?? {}));
  if (apiServer !== '') {
    if (!matchesSetting('kubernetes.apiServer', apiServer)) {
      errors['kubernetes.apiServer'] = 'Must be an https URL such as https://api.cluster.example:6443';
    }
    if (!tokenSet) {
      errors.kubernetesToken = 'Required when an API server is set';
    }
  }
  if (!matchesSetting('kubernetes.caCert', k.caCert ?? '')) {
    errors['kubernetes.caCert'] = 'Must be a PEM certificate bundle (-----BEGIN CERTIFICATE-----)';
  }
  return errors;
}

type Generation = 'v0.5-v0.6' | 'v0.7';

/** pkg/sweeps/args.go ParseGeneration: GuideLLM 0.5.x and 0.6.x share a command line, 0.7.x has another. */
function parseGeneration(version: string): { generation?: Generation; error?: string } {
  const parts = version.trim().replace(/^v/, '').split('.');
  const whole = /^[+-]?\d+$/;
  if (parts.length < 2 || !whole.test(parts[0]) || !whole.test(parts[1])) {
    return { error: `"${version}" is not a version like 0.7.3` };
  }
  const [major, minor] = [Number(parts[0]), Number(parts[1])];
  if (major === 0 && (minor === 5 || minor === 6)) {
    return { generation: 'v0.5-v0.6' };
  }
  if (major === 0 && minor === 7) {
    return { generation: 'v0.7' };
  }
  return { error: `GuideLLM ${version} is not supported for sweeps: 0.5.x, 0.6.x and 0.7.x are` };
}

/**
 * pkg/sweeps/settings.go generation: the version setting, else the image tag, selects the command
 * line; both set and disagreeing would start Jobs that fail on their first argument.
 */
function validateGeneration(image: string, version: string): SettingsErrors {
  const tag = /:v?(\d+\.\d+\.\d+)$/.exec(image)?.[1];
  const fromTag = tag === undefined ? undefined : parseGeneration(tag);
  if (version === '') {
    if (fromTag === undefined) {
      return {
        'kubernetes.guidellmVersion': 'Required: the image has no vX.Y.Z tag to read the GuideLLM version from',
      };
    }
    return fromTag.error ? { 'kubernetes.image': fromTag.error } : {};
  }
  const set = parseGeneration(version);
  if (set.error) {
    return { 'kubernetes.guidellmVersion': set.error };
  }
  if (fromTag?.generation && fromTag.generation !== set.generation) {
    return {
      'kubernetes.guidellmVersion': `Disagrees with the image tag ${tag} (${fromTag.generation} command line, not ${set.generation}): fix one of them`,
    };
  }
  return {};
}

/** pkg/sweeps/settings.go checkEndpointTemplate. */
function endpointTemplateProblem(template: string): string | undefined {
  for (const placeholder of template.match(/\{[^{}]*\}/g) ?? []) {
    if (placeholder !== '{model}' && placeholder !== '{namespace}') {
      return `Unknown placeholder ${placeholder}: only {model} and {namespace} are replaced`;
    }
  }
  if (!template.includes('{model}')) {
    return 'Must contain {model}';
  }
  return endpointProblem(template.replace(/\{model\}/g, 'model').replace(/\{namespace\}/g, 'namespace'));
}

/** pkg/sweeps/settings.go checkEndpoint: an http(s) base URL without credentials, query or fragment. */
export function endpointProblem(raw: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(raw);
  if (!m || !['http', 'https'].includes(m[1].toLowerCase())) {
    return 'Must start with http:// or https://';
  }
  const authority = m[2];
  if (authority.includes('@')) {
    return 'Must not carry credentials';
  }
  if (/[?#]/.test(raw)) {
    return 'Must not have a query or fragment';
  }
  if (hasSpaceOrControl(raw)) {
    return 'Must not contain spaces';
  }
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  if (!hostPort || hostPort[1] === '' || hostPort[1] === '[]') {
    return 'Has no host';
  }
  const port = hostPort[2] ?? '';
  if (port !== '' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return `Has an invalid port "${port}"`;
  }
  return undefined;
}

/** [request, limit] pairs where the request must not exceed the limit (x-notAbove of the schema). */
const RESOURCE_PAIRS = (setting('kubernetes.resources')['x-notAbove'] ?? []) as Array<
  [keyof KubernetesResources, keyof KubernetesResources]
>;

/** pkg/sweeps/settings.go Resources.validate: positive quantities, requests not above limits. */
function validateResources(r: KubernetesResources): SettingsErrors {
  const errors: SettingsErrors = {};
  for (const [requestKey, limitKey] of RESOURCE_PAIRS) {
    const values = [requestKey, limitKey].map((key) => {
      const text = (r[key] ?? '').trim() || KUBERNETES_DEFAULTS[key];
      const value = parseQuantity(text);
      if (value === undefined || value <= 0) {
        errors[`kubernetes.resources.${key}`] = 'Not a positive Kubernetes quantity (e.g. 500m, 2, 4Gi)';
      }
      return { text, value };
    });
    const [request, limit] = values;
    if (request.value !== undefined && limit.value !== undefined && request.value > limit.value) {
      errors[`kubernetes.resources.${requestKey}`] = `Must not exceed the limit (${limit.text})`;
    }
  }
  return errors;
}

const QUANTITY_SUFFIXES: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity (k8s.io/apimachinery resource.ParseQuantity syntax), or undefined. */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(text);
  if (!m) {
    return undefined;
  }
  const suffix = m[2] ?? '';
  const multiplier = /^[eE]./.test(suffix) ? 10 ** Number(suffix.slice(1)) : QUANTITY_SUFFIXES[suffix];
  return Number(m[1]) * multiplier;
}

/** One row of the per-model sweep overrides (jsonData.kubernetes.models) as the editor holds it. */
export interface ModelOverrideRow {
  model: string;
  endpoint: string;
  processor: string;
}

/** Served model names, KServe names or paths (the keys of kubernetes.models). */
const MODEL_NAME_RE = patternOf('kubernetes.models{key}');

/** Errors of the per-model override rows, keyed `kubernetes.models.<row>.model|endpoint|processor`. */
export function validateModelOverrideRows(rows: ModelOverrideRow[]): SettingsErrors {
  const errors: SettingsErrors = {};
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    if (row.model === '') {
      errors[`kubernetes.models.${i}.model`] = 'Required';
    } else if (seen.has(row.model)) {
      errors[`kubernetes.models.${i}.model`] = `"${row.model}" is listed twice; only the first row is kept`;
    } else if (!MODEL_NAME_RE.test(row.model)) {
      errors[`kubernetes.models.${i}.model`] =
        'Not a model name: 1-200 letters, digits and . _ : / @ + -, starting with a letter or digit';
    }
    seen.add(row.model);
    const endpoint = row.endpoint === '' ? undefined : endpointProblem(row.endpoint);
    if (endpoint) {
      errors[`kubernetes.models.${i}.endpoint`] = endpoint;
    }
    if (!matchesSetting('kubernetes.models{}.processor', row.processor)) {
      errors[`kubernetes.models.${i}.processor`] =
        `A tokenizer id or path without spaces, at most ${maxLengthOf('kubernetes.models{}.processor')} characters`;
    }
  });
  return errors;
}

/**
 * An integer setting within the bounds settings.schema.json gives it. Absent is valid when the
 * setting has a default (so is 0, which stands for it); otherwise it is required. errorPath names
 * the row for list items (`deployments.0.gpus` for `deployments[].gpus`).
 */
function checkWholeNumberSetting(errors: SettingsErrors, path: string, v: number | undefined, errorPath = path) {
  const b = boundsOf(path);
  if (v === undefined) {
    if (setting(path).default === undefined) {
      errors[errorPath] = 'Required';
    }
  } else if (!(v === 0 && b.zeroMeansDefault)) {
    checkWholeNumber(errors, errorPath, v, b.min, b.max);
  }
}

/** Integer settings: the backend's JSON decoder refuses fractions. */
function checkWholeNumber(errors: SettingsErrors, path: string, v: number, min: number, max: number) {
  if (!Number.isInteger(v)) {
    errors[path] = 'Must be a whole number';
  } else if (v < min || v > max) {
    errors[path] = max === Number.MAX_SAFE_INTEGER ? `Must be at least ${min}` : `Must be between ${min} and ${max}`;
  }
}

/** A Kubernetes namespace name (the pattern of the namespace settings). */
export function validDnsLabel(s: string): boolean {
  return s !== '' && matchesSetting('kubernetes.namespace', s);
}

/**
 * pkg/sweeps/settings.go Validate (kubernetes.hfHome): an absolute path that path.Clean leaves as it
 * is (no empty, "." or ".." segments, no trailing "/"), because the cache must not shadow the
 * Job's /tmp or /results mounts.
 */
function validHfHome(h: string): boolean {
  const segments = h.split('/').slice(1);
  const clean = h.startsWith('/') && segments.every((seg) => seg !== '' && seg !== '.' && seg !== '..');
  const shadows = ['/tmp', '/results'].some((dir) => h === dir || h.startsWith(`${dir}/`));
  return clean && matchesSetting('kubernetes.hfHome', h) && !shadows;
}

/** Spaces or control characters (pkg/sweeps isSpaceOrControl): what the image pattern refuses. */
function hasSpaceOrControl(s: string): boolean {
  return !patternOf('kubernetes.image').test(s);
}

export interface GpuPriceRow {
  type: string;
  price?: number;
}

/** Errors of the GPU price rows, keyed `gpuPrices.<row>.type|price`. */
export function validateGpuPriceRows(rows: GpuPriceRow[]): SettingsErrors {
  const errors: SettingsErrors = {};
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const type = row.type.trim();
    if (type === '') {
      errors[`gpuPrices.${i}.type`] = 'Required';
    } else if (seen.has(type)) {
      errors[`gpuPrices.${i}.type`] = `"${type}" is listed twice; only one price per GPU type is kept`;
    }
    seen.add(type);
    if (row.price === undefined) {
      errors[`gpuPrices.${i}.price`] = 'Required';
    } else if (!(row.price >= 0) || !Number.isFinite(row.price)) {
      errors[`gpuPrices.${i}.price`] = 'Must be a price of 0 USD or more';
    }
  });
  return errors;
}
