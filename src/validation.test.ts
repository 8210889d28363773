import fs from 'fs';
import path from 'path';

import { fractionToPercent, parseOptionalNumber, percentToFraction } from './numbers';
import {
  DEFAULT_SLA,
  KUBERNETES_DEFAULTS,
  KubernetesSettings,
  PROBE_LIMITS,
  RoiDataSourceOptions,
  SWEEP_LIMITS,
} from './types';
import {
  parseQuantity,
  SecretsSet,
  validateGpuPriceRows,
  validateModelOverrideRows,
  validateSettings,
} from './validation';

const store = { endpoint: 'minio.storage.svc:9000', bucket: 'guidellm-results', accessKey: 'AKIA' };

describe('validateSettings (mirrors pkg/models/settings.go)', () => {
  it('accepts empty settings: every number falls back to the backend default', () => {
    expect(validateSettings({}, {})).toEqual({});
  });

  it('accepts a complete, valid configuration', () => {
    const jsonData: RoiDataSourceOptions = {
      store: {
        ...store,
        prefix: 'reports/',
        region: 'eu-west-1',
        useTLS: true,
        maxObjectSizeMB: 4096,
        cacheSeconds: 86400,
      },
      deployments: [
        { model: 'mistral-3-int4', gpus: 1, gpuType: 'L40S', quantization: 'int4' },
        { model: 'mistral-3-bf16', gpus: 4, gpuType: 'L40S', quantization: 'bf16' },
      ],
      gpuPrices: { L40S: 1.9 },
      sla: DEFAULT_SLA,
      scenarios: [{ name: 'rag', promptTokens: 2048, outputTokens: 256 }],
      prometheus: {
        metricPrefix: 'kserve_vllm:',
        namespace: 'llm',
        tenancyNamespace: 'llm',
        scrapeIntervalSeconds: 3600,
      },
    };
    expect(validateSettings(jsonData, { storeSecretKey: true })).toEqual({});
  });

  it.each([
    ['a scheme', 'http://minio:9000', 'Give host:port without a scheme; switch on TLS for https'],
    ['a path', 'minio:9000/x', 'Give host[:port] only, without a path, query or credentials'],
    ['credentials', 'user@minio:9000', 'Give host[:port] only, without a path, query or credentials'],
    ['an empty port', 'minio:', 'The port after ":" is empty'],
    ['an empty IPv6 port', '[::1]:', 'The port after ":" is empty'],
  ])('refuses an endpoint with %s', (_, endpoint, message) => {
    expect(validateSettings({ store: { ...store, endpoint } }, { storeSecretKey: true })['store.endpoint']).toBe(
      message
    );
  });

  it('accepts host, host:port and [ipv6]:port endpoints', () => {
    for (const endpoint of ['minio', 'minio:9000', '[::1]:9000', ' minio:9000 ']) {
      expect(validateSettings({ store: { ...store, endpoint } }, { storeSecretKey: true })).toEqual({});
    }
  });

  it.each(['ab', 'a'.repeat(64), 'Results', 'my_bucket', '-results', 'results.', ''])(
    'refuses the bucket name "%s"',
    (bucket) => {
      expect(validateSettings({ store: { ...store, bucket } }, { storeSecretKey: true })['store.bucket']).toMatch(
        /^Not a valid S3 bucket name/
      );
    }
  );

  it('asks for endpoint, access key and secret once a bucket is given', () => {
    expect(validateSettings({ store: { bucket: 'results' } }, {})).toEqual({
      'store.endpoint': 'Required: host:port of the S3 server, e.g. minio.storage.svc:9000',
      'store.accessKey': 'Required when a results store is configured',
      storeSecretKey: 'Required when a results store is configured',
    });
  });

  it('checks the ranges of the store numbers, where 0 means the default', () => {
    expect(validateSettings({ store: { maxObjectSizeMB: 0, cacheSeconds: 0 } }, {})).toEqual({});
    expect(validateSettings({ store: { maxObjectSizeMB: 4097, cacheSeconds: -1 } }, {})).toEqual({
      'store.maxObjectSizeMB': 'Must be between 1 and 4096',
      'store.cacheSeconds': 'Must be between 1 and 86400',
    });
    expect(validateSettings({ store: { cacheSeconds: 2.5 } }, {})).toEqual({
      'store.cacheSeconds': 'Must be a whole number',
    });
  });

  it('refuses deployments without a model, listed twice, or with GPUs outside 1..1024', () => {
    const errors = validateSettings(
      {
        deployments: [
          { model: ' ', gpus: 1 },
          { model: 'a', gpus: 0 },
          { model: 'a', gpus: 1025 },
          { model: 'b' },
          { model: 'c', gpus: 1.5 },
        ],
      },
      {}
    );
    expect(errors).toEqual({
      'deployments.0.model': 'Required',
      'deployments.1.gpus': 'Must be between 1 and 1024',
      'deployments.2.model': '"a" is listed twice',
      'deployments.2.gpus': 'Must be between 1 and 1024',
      'deployments.3.gpus': 'Required',
      'deployments.4.gpus': 'Must be a whole number',
    });
  });

  it('checks SLA order 0 < excellent ≤ acceptable ≤ breaking and the error rate as a fraction', () => {
    expect(
      validateSettings({ sla: { ...DEFAULT_SLA, ttftExcellentMs: 1200, itlAcceptableMs: 150, maxErrorRate: 1.5 } }, {})
    ).toEqual({
      'sla.ttftExcellentMs': 'Must not exceed acceptable (1000 ms)',
      'sla.itlAcceptableMs': 'Must not exceed breaking (100 ms)',
      'sla.maxErrorRate': 'Must be between 0 % and 100 %',
    });
    expect(validateSettings({ sla: { ...DEFAULT_SLA, itlExcellentMs: 0, maxErrorRate: 0 } }, {})).toEqual({
      'sla.itlExcellentMs': 'Must be greater than 0 ms',
    });
    expect(validateSettings({ sla: { ...DEFAULT_SLA, ttftBreakingMs: undefined } }, {})).toEqual({
      'sla.ttftBreakingMs': 'Required once any threshold is set',
    });
    expect(validateSettings({ sla: { ...DEFAULT_SLA, ttftExcellentMs: 1000, ttftBreakingMs: 1000 } }, {})).toEqual({});
  });

  it('refuses scenarios without a name, listed twice, or with fewer than 1 token', () => {
    expect(
      validateSettings(
        {
          scenarios: [
            { name: '', promptTokens: 1, outputTokens: 1 },
            { name: 'x', promptTokens: 0, outputTokens: 1 },
            { name: 'x', promptTokens: 5 },
          ],
        },
        {}
      )
    ).toEqual({
      'scenarios.0.name': 'Required',
      'scenarios.1.promptTokens': 'Must be at least 1',
      'scenarios.2.name': '"x" is listed twice',
      'scenarios.2.outputTokens': 'Required',
    });
  });

  it('checks the metric prefix, scrape interval and namespace names', () => {
    expect(
      validateSettings(
        {
          prometheus: {
            metricPrefix: 'vllm_' as 'vllm:',
            scrapeIntervalSeconds: 3601,
            namespace: 'LLM',
            tenancyNamespace: 'a'.repeat(64),
          },
        },
        {}
      )
    ).toEqual({
      'prometheus.metricPrefix': 'Must be "vllm:" or "kserve_vllm:"',
      'prometheus.scrapeIntervalSeconds': 'Must be between 1 and 3600',
      'prometheus.namespace': 'Not a Kubernetes namespace name: at most 63 characters of a-z, 0-9 and "-"',
      'prometheus.tenancyNamespace': 'Not a Kubernetes namespace name: at most 63 characters of a-z, 0-9 and "-"',
    });
  });
});

describe('validateGpuPriceRows', () => {
  it('refuses an empty type, a type listed twice and a missing or negative price', () => {
    expect(
      validateGpuPriceRows([
        { type: 'L4', price: 0 },
        { type: ' ', price: 1 },
        { type: 'L4', price: -1 },
        { type: 'H100' },
      ])
    ).toEqual({
      'gpuPrices.1.type': 'Required',
      'gpuPrices.2.type': '"L4" is listed twice; only one price per GPU type is kept',
      'gpuPrices.2.price': 'Must be a price of 0 USD or more',
      'gpuPrices.3.price': 'Required',
    });
  });
});

describe('numbers', () => {
  it('parses what an input holds', () => {
    expect(parseOptionalNumber('')).toBeUndefined();
    expect(parseOptionalNumber('  ')).toBeUndefined();
    expect(parseOptionalNumber('abc')).toBeUndefined();
    expect(parseOptionalNumber('4.5')).toBe(4.5);
    expect(parseOptionalNumber('-1')).toBe(-1);
  });

  it('converts between fractions and percentages without binary noise', () => {
    expect(fractionToPercent(0.07)).toBe(7);
    expect(fractionToPercent(0.01)).toBe(1);
    expect(percentToFraction(7)).toBe(0.07);
    expect(percentToFraction(0.5)).toBe(0.005);
  });
});

describe('validateSettings: kubernetes (mirrors pkg/sweeps/settings.go Validate)', () => {
  const k8s = (kubernetes: KubernetesSettings, secrets: SecretsSet = {}) => validateSettings({ kubernetes }, secrets);

  it('checks nothing while sweeps are off, except that an API server or CronJob needs a namespace', () => {
    expect(k8s({ image: 'has space', secondsPerStage: 1 })).toEqual({});
    expect(k8s({ cronJobName: 'guidellm' })).toEqual({
      'kubernetes.namespace': 'Required: the namespace the GuideLLM Jobs run in',
    });
    expect(k8s({ apiServer: 'https://api:6443' }, { kubernetesToken: true })).toEqual({
      'kubernetes.namespace': 'Required: the namespace the GuideLLM Jobs run in',
    });
  });

  it('accepts a namespace alone (every other setting has a default) and a complete configuration', () => {
    expect(k8s({ namespace: 'bench' })).toEqual({});
    expect(
      k8s(
        {
          namespace: 'bench',
          modelNamespace: 'llm',
          cronJobName: 'guidellm-nightly',
          image: 'quay.io/me/guidellm:0.6.1',
          guidellmVersion: 'v0.6.1',
          endpointTemplate: 'https://{model}.{namespace}.apps.example.com/v1',
          secondsPerStage: 10,
          maxStages: 50,
          maxConcurrentSweeps: 20,
          ttlSecondsAfterFinished: 600,
          models: { 'meta-llama/Llama-3.1-8B': { endpoint: 'http://llama:8080/v1', processor: 'meta-llama/x' } },
          hfTokenSecret: 'hf-token',
          hfCacheClaim: ' hf-cache.models ',
          hfHome: '/opt/hf-cache',
          resources: { cpuRequest: '500m', cpuLimit: '0.5', memoryRequest: '1Gi', memoryLimit: '2e9' },
          apiServer: 'https://api.cluster.example:6443',
          caCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        },
        { kubernetesToken: true }
      )
    ).toEqual({});
  });

  it('refuses bad namespace, CronJob and Secret names', () => {
    expect(
      k8s({
        namespace: 'Bench',
        modelNamespace: 'a.b',
        cronJobName: 'c'.repeat(53),
        hfTokenSecret: 'HF_TOKEN',
        hfCacheClaim: 'hf_cache',
      })
    ).toEqual({
      'kubernetes.namespace': 'Not a Kubernetes namespace name: at most 63 characters of a-z, 0-9 and "-"',
      'kubernetes.modelNamespace': 'Not a Kubernetes namespace name: at most 63 characters of a-z, 0-9 and "-"',
      'kubernetes.cronJobName': 'Not a CronJob name: a lowercase DNS name of at most 52 characters',
      'kubernetes.hfTokenSecret': 'Not a Secret name: a lowercase DNS name of at most 253 characters',
      'kubernetes.hfCacheClaim': 'Not a PersistentVolumeClaim name: a lowercase DNS name of at most 253 characters',
    });
  });

  it.each(['/hf-cache', ' /opt/hf ', '', '/tmpfs/hf', '/results-cache', '/a.b/..c'])('accepts hfHome %j', (hfHome) => {
    expect(k8s({ namespace: 'bench', hfHome })).toEqual({});
  });

  it.each([
    'hf-cache',
    '/',
    '/hf/',
    '/a//b',
    '/a/./b',
    '/a/../b',
    '/tmp',
    '/tmp/hf',
    '/results',
    '/results/hf',
    '/hf cache',
    '/' + 'a'.repeat(256),
  ])('refuses hfHome %j', (hfHome) => {
    expect(k8s({ namespace: 'bench', hfHome })).toEqual({
      'kubernetes.hfHome': 'Must be an absolute, clean path without spaces, outside /tmp and /results (e.g. /hf-cache)',
    });
  });

  it.each([
    [{ image: 'guidellm:latest' }, 'kubernetes.guidellmVersion', 'Required: the image has no vX.Y.Z tag'],
    [{ image: 'guidellm:v0.4.2' }, 'kubernetes.image', 'GuideLLM 0.4.2 is not supported for sweeps'],
    [{ image: 'guidellm:latest', guidellmVersion: '0.8.0' }, 'kubernetes.guidellmVersion', 'GuideLLM 0.8.0 is'],
    [{ guidellmVersion: 'seven' }, 'kubernetes.guidellmVersion', '"seven" is not a version like 0.7.3'],
    [{ guidellmVersion: '0.6.1' }, 'kubernetes.guidellmVersion', 'Disagrees with the image tag 0.7.3'],
    [{ image: 'my registry/guidellm:v0.7.3' }, 'kubernetes.image', 'Not a container image reference'],
  ])('checks the GuideLLM version of %j', (settings, key, message) => {
    expect(k8s({ namespace: 'bench', ...settings })[key]).toMatch(new RegExp(`^${escapeRegExp(message)}`));
  });

  it('accepts an untagged image when the version is set, and 0.5 and 0.6 as one command line', () => {
    expect(k8s({ namespace: 'bench', image: 'guidellm:latest', guidellmVersion: '0.7.0' })).toEqual({});
    expect(k8s({ namespace: 'bench', image: 'guidellm:v0.5.4', guidellmVersion: '0.6.1' })).toEqual({});
  });

  it.each([
    ['http://{model}:8080/v1/{port}', 'Unknown placeholder {port}: only {model} and {namespace} are replaced'],
    ['http://vllm.{namespace}.svc:8080/v1', 'Must contain {model}'],
    ['grpc://{model}:8080', 'Must start with http:// or https://'],
    ['{model}:8080/v1', 'Must start with http:// or https://'],
    ['http://user:pw@{model}:8080/v1', 'Must not carry credentials'],
    ['http://{model}:8080/v1?x=1', 'Must not have a query or fragment'],
    ['http://{model} .svc/v1', 'Must not contain spaces'],
    ['http://:8080/{model}', 'Has no host'],
    ['http://{model}:99999/v1', 'Has an invalid port "99999"'],
    ['http://{model}:http/v1', 'Has an invalid port "http"'],
  ])('refuses the endpoint template %s', (endpointTemplate, message) => {
    expect(k8s({ namespace: 'bench', endpointTemplate })['kubernetes.endpointTemplate']).toBe(message);
  });

  it('accepts IPv6 hosts and https endpoint templates', () => {
    expect(k8s({ namespace: 'bench', endpointTemplate: 'http://[fd00::1]:8000/{model}/v1' })).toEqual({});
    expect(k8s({ namespace: 'bench', endpointTemplate: 'HTTPS://{model}.example.com' })).toEqual({});
  });

  it('checks the number ranges, where 0 means the default', () => {
    expect(
      k8s({ namespace: 'b', secondsPerStage: 0, maxStages: 0, maxConcurrentSweeps: 0, ttlSecondsAfterFinished: 0 })
    ).toEqual({});
    expect(
      k8s({
        namespace: 'b',
        secondsPerStage: 9,
        maxStages: 51,
        maxConcurrentSweeps: 1.5,
        ttlSecondsAfterFinished: 30 * 24 * 3600 + 1,
      })
    ).toEqual({
      'kubernetes.secondsPerStage': 'Must be between 10 and 3600',
      'kubernetes.maxStages': 'Must be between 1 and 50',
      'kubernetes.maxConcurrentSweeps': 'Must be a whole number',
      'kubernetes.ttlSecondsAfterFinished': 'Must be between 600 and 2592000',
    });
  });

  it('checks the resources: positive quantities, requests not above limits (against the defaults too)', () => {
    expect(k8s({ namespace: 'b', resources: { cpuRequest: '0', memoryLimit: '4 Gi' } })).toEqual({
      'kubernetes.resources.cpuRequest': 'Not a positive Kubernetes quantity (e.g. 500m, 2, 4Gi)',
      'kubernetes.resources.memoryLimit': 'Not a positive Kubernetes quantity (e.g. 500m, 2, 4Gi)',
    });
    expect(k8s({ namespace: 'b', resources: { cpuRequest: '8', memoryRequest: '5Gi' } })).toEqual({
      'kubernetes.resources.cpuRequest': 'Must not exceed the limit (4)',
      'kubernetes.resources.memoryRequest': 'Must not exceed the limit (4Gi)',
    });
    expect(k8s({ namespace: 'b', resources: { memoryRequest: '4096Mi', cpuLimit: '4000m' } })).toEqual({});
  });

  it('asks for an https API server with a token, and a PEM CA', () => {
    expect(k8s({ namespace: 'b', apiServer: 'http://api:6443', caCert: 'MIIB' })).toEqual({
      'kubernetes.apiServer': 'Must be an https URL such as https://api.cluster.example:6443',
      'kubernetes.caCert': 'Must be a PEM certificate bundle (-----BEGIN CERTIFICATE-----)',
      kubernetesToken: 'Required when an API server is set',
    });
    expect(k8s({ namespace: 'b', apiServer: 'https://api:6443/path' }, { kubernetesToken: true })).toEqual({
      'kubernetes.apiServer': 'Must be an https URL such as https://api.cluster.example:6443',
    });
  });
});

describe('parseQuantity (Kubernetes quantity syntax)', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['4Gi', 4 * 2 ** 30],
    ['1k', 1000],
    ['1M', 1e6],
    ['1e3', 1000],
    ['1E', 1e18],
    ['+1Ki', 1024],
  ])('reads %s', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it.each(['', 'Gi', '1 Gi', '1gi', '1e', 'one', '1.2.3'])('refuses "%s"', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('validateModelOverrideRows', () => {
  it('refuses an empty or repeated model, a bad model name, endpoint or tokenizer', () => {
    expect(
      validateModelOverrideRows([
        { model: 'a', endpoint: 'http://a:8080/v1', processor: 'org/tok' },
        { model: '', endpoint: '', processor: '' },
        { model: 'a', endpoint: 'ftp://a', processor: 'has space' },
        { model: '-x', endpoint: '', processor: 'p'.repeat(257) },
      ])
    ).toEqual({
      'kubernetes.models.1.model': 'Required',
      'kubernetes.models.2.model': '"a" is listed twice; only the first row is kept',
      'kubernetes.models.2.endpoint': 'Must start with http:// or https://',
      'kubernetes.models.2.processor': 'A tokenizer id or path without spaces, at most 256 characters',
      'kubernetes.models.3.model':
        'Not a model name: 1-200 letters, digits and . _ : / @ + -, starting with a letter or digit',
      'kubernetes.models.3.processor': 'A tokenizer id or path without spaces, at most 256 characters',
    });
  });
});

describe('names and numbers shared with the backend', () => {
  /** The constants of a Go file: name → value (strings, and integers written as products or shifts). */
  function goConstants(file: string): Record<string, string | number> {
    const source = fs.readFileSync(path.resolve(__dirname, '..', file), 'utf8');
    const out: Record<string, string | number> = {};
    // Constants in `const ( ... )` blocks and single `const Name = ...` lines.
    const declarations = [
      ...[...source.matchAll(/const \(([\s\S]*?)\n\)/g)].map((block) => block[1]),
      ...[...source.matchAll(/^const (\w+\s*=.*)$/gm)].map((line) => line[1]),
    ];
    for (const block of declarations) {
      for (const [, name, expr] of block.matchAll(/^\s*(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^/\n]+?)\s*(?:\/\/.*)?$/gm)) {
        if (expr.startsWith('"')) {
          out[name] = JSON.parse(expr);
        } else if (/^[\d\s*<]+$/.test(expr)) {
          const [a, shift] = expr.split('<<').map((part) => part.split('*').reduce((p, f) => p * Number(f), 1));
          out[name] = shift === undefined ? a : a * 2 ** shift;
        }
      }
    }
    return out;
  }

  it('shows the defaults of pkg/sweeps/settings.go and checks its bounds', () => {
    const go = goConstants('pkg/sweeps/settings.go');
    expect(KUBERNETES_DEFAULTS).toEqual({
      image: go.DefaultImage,
      endpointTemplate: go.DefaultEndpointTemplate,
      secondsPerStage: go.DefaultSecondsPerStage,
      maxStages: go.DefaultMaxStages,
      maxConcurrentSweeps: go.DefaultMaxConcurrent,
      ttlSecondsAfterFinished: go.DefaultTTLSecondsAfterFinished,
      cpuRequest: go.DefaultCPURequest,
      memoryRequest: go.DefaultMemoryRequest,
      cpuLimit: go.DefaultCPULimit,
      memoryLimit: go.DefaultMemoryLimit,
      hfHome: go.DefaultHFHome,
    });
    expect(SWEEP_LIMITS).toEqual({
      minSecondsPerStage: go.MinSecondsPerStage,
      maxSecondsPerStage: go.MaxSecondsPerStage,
      maxRate: go.MaxRate,
      maxStreams: go.MaxStreams,
      maxSweepSeconds: go.maxSweepSeconds,
    });
  });

  it('checks the probe bounds of pkg/probe/probe.go', () => {
    const go = goConstants('pkg/probe/probe.go');
    expect(PROBE_LIMITS).toEqual({
      maxPromptBytes: go.MaxPromptBytes,
      maxOutputTokens: go.MaxOutputTokens,
      defaultMaxTokens: go.DefaultMaxTokens,
    });
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
