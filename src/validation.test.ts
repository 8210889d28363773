import { fractionToPercent, parseOptionalNumber, percentToFraction } from './numbers';
import { DEFAULT_SLA, RoiDataSourceOptions } from './types';
import { validateGpuPriceRows, validateSettings } from './validation';

const store = { endpoint: 'minio.storage.svc:9000', bucket: 'guidellm-results', accessKey: 'AKIA' };

describe('validateSettings (mirrors pkg/models/settings.go)', () => {
  it('accepts empty settings: every number falls back to the backend default', () => {
    expect(validateSettings({}, false)).toEqual({});
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
    expect(validateSettings(jsonData, true)).toEqual({});
  });

  it.each([
    ['a scheme', 'http://minio:9000', 'Give host:port without a scheme; switch on TLS for https'],
    ['a path', 'minio:9000/x', 'Give host[:port] only, without a path, query or credentials'],
    ['credentials', 'user@minio:9000', 'Give host[:port] only, without a path, query or credentials'],
    ['an empty port', 'minio:', 'The port after ":" is empty'],
    ['an empty IPv6 port', '[::1]:', 'The port after ":" is empty'],
  ])('refuses an endpoint with %s', (_, endpoint, message) => {
    expect(validateSettings({ store: { ...store, endpoint } }, true)['store.endpoint']).toBe(message);
  });

  it('accepts host, host:port and [ipv6]:port endpoints', () => {
    for (const endpoint of ['minio', 'minio:9000', '[::1]:9000', ' minio:9000 ']) {
      expect(validateSettings({ store: { ...store, endpoint } }, true)).toEqual({});
    }
  });

  it.each(['ab', 'a'.repeat(64), 'Results', 'my_bucket', '-results', 'results.', ''])(
    'refuses the bucket name "%s"',
    (bucket) => {
      expect(validateSettings({ store: { ...store, bucket } }, true)['store.bucket']).toMatch(
        /^Not a valid S3 bucket name/
      );
    }
  );

  it('asks for endpoint, access key and secret once a bucket is given', () => {
    expect(validateSettings({ store: { bucket: 'results' } }, false)).toEqual({
      'store.endpoint': 'Required: host:port of the S3 server, e.g. minio.storage.svc:9000',
      'store.accessKey': 'Required when a results store is configured',
      storeSecretKey: 'Required when a results store is configured',
    });
  });

  it('checks the ranges of the store numbers, where 0 means the default', () => {
    expect(validateSettings({ store: { maxObjectSizeMB: 0, cacheSeconds: 0 } }, false)).toEqual({});
    expect(validateSettings({ store: { maxObjectSizeMB: 4097, cacheSeconds: -1 } }, false)).toEqual({
      'store.maxObjectSizeMB': 'Must be between 1 and 4096',
      'store.cacheSeconds': 'Must be between 1 and 86400',
    });
    expect(validateSettings({ store: { cacheSeconds: 2.5 } }, false)).toEqual({
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
      false
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
      validateSettings(
        { sla: { ...DEFAULT_SLA, ttftExcellentMs: 1200, itlAcceptableMs: 150, maxErrorRate: 1.5 } },
        false
      )
    ).toEqual({
      'sla.ttftExcellentMs': 'Must not exceed acceptable (1000 ms)',
      'sla.itlAcceptableMs': 'Must not exceed breaking (100 ms)',
      'sla.maxErrorRate': 'Must be between 0 % and 100 %',
    });
    expect(validateSettings({ sla: { ...DEFAULT_SLA, itlExcellentMs: 0, maxErrorRate: 0 } }, false)).toEqual({
      'sla.itlExcellentMs': 'Must be greater than 0 ms',
    });
    expect(validateSettings({ sla: { ...DEFAULT_SLA, ttftBreakingMs: undefined } }, false)).toEqual({
      'sla.ttftBreakingMs': 'Required once any threshold is set',
    });
    expect(validateSettings({ sla: { ...DEFAULT_SLA, ttftExcellentMs: 1000, ttftBreakingMs: 1000 } }, false)).toEqual(
      {}
    );
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
        false
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
        false
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
