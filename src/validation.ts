import { RoiDataSourceOptions, SlaSettings } from './types';

/**
 * Field path → message. Paths: `store.endpoint`, `deployments.0.gpus`, `sla.ttftExcellentMs`,
 * `scenarios.1.name`, `prometheus.namespace`, `storeSecretKey`, ...
 */
export type SettingsErrors = Record<string, string>;

/**
 * validateSettings mirrors the checks of pkg/models/settings.go (LoadSettings), so the editor marks
 * at the field what the backend would refuse when the data source is saved. Absent numbers take the
 * backend's defaults and are therefore valid.
 */
export function validateSettings(jsonData: RoiDataSourceOptions, secretConfigured: boolean): SettingsErrors {
  return {
    ...validateStore(jsonData, secretConfigured),
    ...validateDeployments(jsonData),
    ...validateSla(jsonData.sla),
    ...validateScenarios(jsonData),
    ...validatePrometheus(jsonData),
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
    if (!validBucketName(bucket)) {
      errors['store.bucket'] = 'Not a valid S3 bucket name: 3-63 characters of a-z, 0-9, "." and "-"';
    }
    if ((store.accessKey ?? '') === '') {
      errors['store.accessKey'] = 'Required when a results store is configured';
    }
    if (!secretConfigured) {
      errors.storeSecretKey = 'Required when a results store is configured';
    }
  }
  checkOptionalWholeNumber(errors, 'store.maxObjectSizeMB', store.maxObjectSizeMB, 1, 4096);
  checkOptionalWholeNumber(errors, 'store.cacheSeconds', store.cacheSeconds, 1, 86400);
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
    if (d.gpus === undefined) {
      errors[`deployments.${i}.gpus`] = 'Required';
    } else {
      checkWholeNumber(errors, `deployments.${i}.gpus`, d.gpus, 1, 1024);
    }
  });
  return errors;
}

const SLA_ORDERS: Array<[keyof SlaSettings, keyof SlaSettings, keyof SlaSettings]> = [
  ['ttftExcellentMs', 'ttftAcceptableMs', 'ttftBreakingMs'],
  ['itlExcellentMs', 'itlAcceptableMs', 'itlBreakingMs'],
];

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
      } else if (!(v > 0)) {
        errors[`sla.${key}`] = 'Must be greater than 0 ms';
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
  if (rate === undefined) {
    errors['sla.maxErrorRate'] = 'Required once any threshold is set';
  } else if (!(rate >= 0 && rate <= 1)) {
    errors['sla.maxErrorRate'] = 'Must be between 0 % and 100 %';
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
      const v = s[key];
      if (v === undefined) {
        errors[`scenarios.${i}.${key}`] = 'Required';
      } else {
        checkWholeNumber(errors, `scenarios.${i}.${key}`, v, 1, Number.MAX_SAFE_INTEGER);
      }
    }
  });
  return errors;
}

function validatePrometheus(jsonData: RoiDataSourceOptions): SettingsErrors {
  const errors: SettingsErrors = {};
  const p = jsonData.prometheus ?? {};
  if (p.metricPrefix !== undefined && p.metricPrefix !== 'vllm:' && p.metricPrefix !== 'kserve_vllm:') {
    errors['prometheus.metricPrefix'] = 'Must be "vllm:" or "kserve_vllm:"';
  }
  checkOptionalWholeNumber(errors, 'prometheus.scrapeIntervalSeconds', p.scrapeIntervalSeconds, 1, 3600);
  for (const key of ['tenancyNamespace', 'namespace'] as const) {
    const v = p[key];
    if (v && !validDnsLabel(v)) {
      errors[`prometheus.${key}`] = 'Not a Kubernetes namespace name: at most 63 characters of a-z, 0-9 and "-"';
    }
  }
  return errors;
}

/** Integer settings with a default: absent or 0 means the default. */
function checkOptionalWholeNumber(
  errors: SettingsErrors,
  path: string,
  v: number | undefined,
  min: number,
  max: number
) {
  if (v !== undefined && v !== 0) {
    checkWholeNumber(errors, path, v, min, max);
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

export function validBucketName(b: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b);
}

export function validDnsLabel(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s);
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
