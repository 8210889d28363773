import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { RoiDataSourceOptions, RoiSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<RoiDataSourceOptions, RoiSecureJsonData>;

function settings(patch: Partial<Settings> = {}): Settings {
  // `database` (required by the type, deprecated) is left out: this data source has none.
  return {
    id: 1,
    uid: 'roi',
    orgId: 1,
    name: 'Inference ROI',
    type: 'inferenceroi-vllm-datasource',
    typeName: 'Inference ROI',
    typeLogoUrl: '',
    access: 'proxy',
    url: 'https://thanos-querier.openshift-monitoring.svc:9091',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...patch,
  } as Settings;
}

/** Renders the editor the way Grafana does: every change comes back as the new options. */
function renderEditor(initial: Settings = settings()) {
  const onOptionsChange = jest.fn();
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          setOptions(next);
          onOptionsChange(next);
        }}
      />
    );
  }
  render(<Harness />);
  const last = (): Settings => onOptionsChange.mock.lastCall[0];
  return { onOptionsChange, last };
}

/**
 * The input whose label starts with `label` (Field puts the description into the label too), or
 * whose aria-label is `label`.
 */
function input(label: string): HTMLElement {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return screen.getByLabelText(new RegExp(`^${escaped}`));
}

/**
 * The validation message shown with the input labelled `label`: the alert inside the largest
 * ancestor that holds no other form control, i.e. inside the input's own Field.
 */
function errorOf(label: string): string | null {
  const control = input(label);
  let scope: HTMLElement = control;
  while (scope.parentElement && scope.parentElement.querySelectorAll('input, textarea, select').length === 1) {
    scope = scope.parentElement;
  }
  return within(scope).queryByRole('alert')?.textContent ?? null;
}

/** Enters text the way a paste does: one change event, so long values do not re-render per key. */
async function enter(label: string, text: string) {
  await userEvent.click(input(label));
  await userEvent.paste(text);
}

describe('ConfigEditor', () => {
  it('renders every section with the backend defaults as placeholders', () => {
    renderEditor();
    for (const legend of [
      'Live metrics',
      'Results store (GuideLLM reports)',
      'Deployments',
      'GPU prices',
      'SLA thresholds',
      'Scenarios',
      'Kubernetes sweeps',
    ]) {
      expect(screen.getByText(legend)).toBeInTheDocument();
    }
    expect(input('TTFT excellent')).toHaveAttribute('placeholder', '500');
    expect(input('TTFT acceptable')).toHaveAttribute('placeholder', '1000');
    expect(input('TTFT breaking')).toHaveAttribute('placeholder', '2000');
    expect(input('ITL excellent')).toHaveAttribute('placeholder', '20');
    expect(input('ITL acceptable')).toHaveAttribute('placeholder', '50');
    expect(input('ITL breaking')).toHaveAttribute('placeholder', '100');
    expect(input('Max error rate (%)')).toHaveAttribute('placeholder', '1');
    expect(input('Max object size (MB)')).toHaveAttribute('placeholder', '64');
    expect(input('Cache (seconds)')).toHaveAttribute('placeholder', '30');
    expect(input('Region')).toHaveAttribute('placeholder', 'us-east-1');
    expect(input('Scrape interval (seconds)')).toHaveAttribute('placeholder', '30');
    const builtIns = within(screen.getByRole('list', { name: 'Built-in scenarios' })).getAllByRole('listitem');
    expect(builtIns.map((li) => li.textContent)).toEqual([
      'chat: 64 prompt / 64 output tokens (built in)',
      'summarization: 512 prompt / 128 output tokens (built in)',
      'code-gen: 128 prompt / 256 output tokens (built in)',
      'stress: 256 prompt / 256 output tokens (built in)',
    ]);
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
  });

  it('edits the Thanos/Prometheus URL through the standard HTTP settings', async () => {
    const { last } = renderEditor(settings({ url: '' }));
    await userEvent.click(screen.getByPlaceholderText('https://thanos-querier.openshift-monitoring.svc:9091'));
    await userEvent.paste('https://thanos:9091');
    expect(last().url).toBe('https://thanos:9091');
  });

  it('writes the results store settings into jsonData.store and the secret into secureJsonData', async () => {
    const { last } = renderEditor();
    await enter('Endpoint', 'minio.storage.svc:9000');
    await enter('Bucket', 'guidellm-results');
    await enter('Prefix', 'reports/');
    await enter('Region', 'eu-west-1');
    await userEvent.click(input('Use TLS'));
    await enter('Access key', 'AKIA1');
    await enter('Max object size (MB)', '128');
    await enter('Cache (seconds)', '60');
    await enter('Secret key', 's3cr3t');
    expect(last().jsonData.store).toEqual({
      endpoint: 'minio.storage.svc:9000',
      bucket: 'guidellm-results',
      prefix: 'reports/',
      region: 'eu-west-1',
      useTLS: true,
      accessKey: 'AKIA1',
      maxObjectSizeMB: 128,
      cacheSeconds: 60,
    });
    expect(last().secureJsonData).toEqual({ storeSecretKey: 's3cr3t' });
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
  });

  it('shows a configured secret and resets it', async () => {
    const { last } = renderEditor(
      settings({
        jsonData: { store: { endpoint: 'minio:9000', bucket: 'results', accessKey: 'k' } },
        secureJsonFields: { storeSecretKey: true },
      })
    );
    const secret = input('Secret key');
    expect(secret).toBeDisabled();
    expect(secret).toHaveValue('configured');
    expect(errorOf('Secret key')).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields).toEqual({ storeSecretKey: false });
    expect(last().secureJsonData).toEqual({ storeSecretKey: '' });
    expect(input('Secret key')).toBeEnabled();
    expect(errorOf('Secret key')).toBe('Required when a results store is configured');

    await enter('Secret key', 'new');
    expect(last().secureJsonData).toEqual({ storeSecretKey: 'new' });
    expect(errorOf('Secret key')).toBeNull();
  });

  it.each([
    ['https://minio:9000', 'Give host:port without a scheme; switch on TLS for https'],
    ['minio:9000/bucket', 'Give host[:port] only, without a path, query or credentials'],
    ['minio:', 'The port after ":" is empty'],
  ])('marks the endpoint %s at the field', async (endpoint, message) => {
    renderEditor();
    await enter('Endpoint', endpoint);
    expect(errorOf('Endpoint')).toBe(message);
  });

  it('marks a bad bucket name, a missing access key and out-of-range numbers', async () => {
    renderEditor();
    await enter('Bucket', 'My_Bucket');
    expect(errorOf('Bucket')).toBe('Not a valid S3 bucket name: 3-63 characters of a-z, 0-9, "." and "-"');
    expect(errorOf('Endpoint')).toBe('Required: host:port of the S3 server, e.g. minio.storage.svc:9000');
    expect(errorOf('Access key')).toBe('Required when a results store is configured');
    await enter('Max object size (MB)', '5000');
    expect(errorOf('Max object size (MB)')).toBe('Must be between 1 and 4096');
    await enter('Cache (seconds)', '1.5');
    expect(errorOf('Cache (seconds)')).toBe('Must be a whole number');
  });

  it('adds, edits and removes deployments', async () => {
    const { last } = renderEditor();
    await userEvent.click(screen.getByRole('button', { name: 'Add deployment' }));
    await enter('Deployment 1 model', 'mistral-3-int4');
    await enter('Deployment 1 GPU type', 'L40S');
    await enter('Deployment 1 quantization', 'int4');
    await userEvent.click(screen.getByRole('button', { name: 'Add deployment' }));
    await enter('Deployment 2 model', 'mistral-3-bf16');
    await userEvent.clear(input('Deployment 2 GPUs'));
    await enter('Deployment 2 GPUs', '4');
    await enter('Deployment 2 GPU type', 'L40S');
    await enter('Deployment 2 quantization', 'bf16');
    expect(last().jsonData.deployments).toEqual([
      { model: 'mistral-3-int4', gpus: 1, gpuType: 'L40S', quantization: 'int4' },
      { model: 'mistral-3-bf16', gpus: 4, gpuType: 'L40S', quantization: 'bf16' },
    ]);

    await userEvent.click(screen.getByRole('button', { name: 'Remove deployment 1' }));
    expect(last().jsonData.deployments).toEqual([
      { model: 'mistral-3-bf16', gpus: 4, gpuType: 'L40S', quantization: 'bf16' },
    ]);
    expect(input('Deployment 1 model')).toHaveValue('mistral-3-bf16');
  });

  it('marks GPUs below 1, an empty model and a model listed twice', async () => {
    renderEditor(
      settings({
        jsonData: {
          deployments: [
            { model: 'a', gpus: 0, gpuType: 'L4', quantization: 'int4' },
            { model: 'a', gpus: 2000, gpuType: 'L4', quantization: 'int4' },
            { model: '', gpus: 1, gpuType: 'L4', quantization: 'int4' },
          ],
        },
      })
    );
    expect(errorOf('Deployment 1 GPUs')).toBe('Must be between 1 and 1024');
    expect(errorOf('Deployment 2 model')).toBe('"a" is listed twice');
    expect(errorOf('Deployment 2 GPUs')).toBe('Must be between 1 and 1024');
    expect(errorOf('Deployment 3 model')).toBe('Required');
  });

  it('edits GPU prices as GPU type → USD per GPU-hour', async () => {
    const { last } = renderEditor(settings({ jsonData: { gpuPrices: { L4: 0.8 } } }));
    expect(input('GPU price 1 type')).toHaveValue('L4');
    expect(input('GPU price 1 USD per hour')).toHaveValue(0.8);

    await userEvent.click(screen.getByRole('button', { name: 'Add GPU price' }));
    await enter('GPU price 2 type', 'H100');
    expect(errorOf('GPU price 2 USD per hour')).toBe('Required');
    await enter('GPU price 2 USD per hour', '4.5');
    expect(last().jsonData.gpuPrices).toEqual({ L4: 0.8, H100: 4.5 });

    await userEvent.click(screen.getByRole('button', { name: 'Remove GPU price 1' }));
    expect(last().jsonData.gpuPrices).toEqual({ H100: 4.5 });
  });

  it('edits the target utilization of sizing and marks values outside (0, 1]', async () => {
    const { last } = renderEditor(settings());
    expect(input('Target utilization')).toHaveAttribute('placeholder', '1');
    await enter('Target utilization', '0.8');
    expect(last().jsonData.sizing).toEqual({ targetUtilization: 0.8 });
    expect(errorOf('Target utilization')).toBeNull();

    await userEvent.clear(input('Target utilization'));
    expect(last().jsonData.sizing).toEqual({});
    await enter('Target utilization', '1.5');
    expect(errorOf('Target utilization')).toMatch(/^Must be more than 0 and at most 1/);
  });

  it('marks a negative price and a GPU type listed twice', async () => {
    const { last } = renderEditor(settings({ jsonData: { gpuPrices: { L4: 0.8 } } }));
    await userEvent.clear(input('GPU price 1 USD per hour'));
    await enter('GPU price 1 USD per hour', '-1');
    expect(errorOf('GPU price 1 USD per hour')).toBe('Must be a price of 0 USD or more');
    expect(last().jsonData.gpuPrices).toEqual({ L4: -1 });

    await userEvent.click(screen.getByRole('button', { name: 'Add GPU price' }));
    await enter('GPU price 2 type', 'L4');
    expect(errorOf('GPU price 2 type')).toBe('"L4" is listed twice; only one price per GPU type is kept');
  });

  it('writes a complete SLA block on the first edit and marks thresholds out of order', async () => {
    const { last } = renderEditor();
    await enter('TTFT excellent', '1500');
    expect(last().jsonData.sla).toEqual({
      ttftExcellentMs: 1500,
      ttftAcceptableMs: 1000,
      ttftBreakingMs: 2000,
      itlExcellentMs: 20,
      itlAcceptableMs: 50,
      itlBreakingMs: 100,
      maxErrorRate: 0.01,
    });
    expect(errorOf('TTFT excellent')).toBe('Must not exceed acceptable (1000 ms)');

    await userEvent.clear(input('TTFT excellent'));
    expect(errorOf('TTFT excellent')).toBe('Required once any threshold is set');
    await enter('TTFT excellent', '400');
    expect(errorOf('TTFT excellent')).toBeNull();

    await userEvent.clear(input('ITL acceptable'));
    await enter('ITL acceptable', '150');
    expect(errorOf('ITL acceptable')).toBe('Must not exceed breaking (100 ms)');
  });

  it('shows the error rate in percent and stores a fraction; "Use defaults" removes the block', async () => {
    const { last } = renderEditor();
    await enter('Max error rate (%)', '7');
    expect(last().jsonData.sla?.maxErrorRate).toBe(0.07);
    expect(input('Max error rate (%)')).toHaveValue(7);
    await enter('Max error rate (%)', '00');
    expect(errorOf('Max error rate (%)')).toBe('Must be between 0 % and 100 %');

    await userEvent.click(screen.getByRole('button', { name: 'Use defaults' }));
    expect(last().jsonData.sla).toBeUndefined();
    expect(input('Max error rate (%)')).toHaveValue(null);
  });

  it('adds scenarios beside the built-in ones and marks invalid rows', async () => {
    const { last } = renderEditor();
    await userEvent.click(screen.getByRole('button', { name: 'Add scenario' }));
    await enter('Scenario 1 name', 'rag');
    await enter('Scenario 1 prompt tokens', '2048');
    expect(errorOf('Scenario 1 output tokens')).toBe('Required');
    await enter('Scenario 1 output tokens', '256');
    expect(last().jsonData.scenarios).toEqual([{ name: 'rag', promptTokens: 2048, outputTokens: 256 }]);

    await userEvent.click(screen.getByRole('button', { name: 'Add scenario' }));
    await enter('Scenario 2 name', 'chat');
    await enter('Scenario 2 prompt tokens', '0');
    expect(errorOf('Scenario 2 prompt tokens')).toBe('Must be at least 1');
    expect(screen.getByText(/^chat: 64 prompt/)).toHaveTextContent('(replaced below)');

    await userEvent.clear(input('Scenario 2 name'));
    await enter('Scenario 2 name', 'rag');
    expect(errorOf('Scenario 2 name')).toBe('"rag" is listed twice');
  });

  it('edits the live-metrics settings and marks invalid namespaces', async () => {
    const { last } = renderEditor();
    await userEvent.click(input('kserve_vllm:'));
    await enter('Default namespace', 'llm-serving');
    await enter('Tenancy namespace', 'llm-serving');
    await enter('Scrape interval (seconds)', '15');
    expect(last().jsonData.prometheus).toEqual({
      metricPrefix: 'kserve_vllm:',
      namespace: 'llm-serving',
      tenancyNamespace: 'llm-serving',
      scrapeIntervalSeconds: 15,
    });

    await enter('Default namespace', '_Bad');
    expect(errorOf('Default namespace')).toBe(
      'Not a Kubernetes namespace name: at most 63 characters of a-z, 0-9 and "-"'
    );
    await enter('Scrape interval (seconds)', '000');
    expect(errorOf('Scrape interval (seconds)')).toBe('Must be between 1 and 3600');
  });

  describe('Kubernetes sweeps', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';

    it('shows the backend defaults as placeholders', () => {
      renderEditor();
      expect(input('Job namespace')).toHaveValue('');
      expect(input('GuideLLM image')).toHaveAttribute('placeholder', 'ghcr.io/vllm-project/guidellm:v0.7.3');
      expect(input('GuideLLM version')).toHaveAttribute('placeholder', 'from the image tag');
      expect(input('Model endpoint template')).toHaveAttribute(
        'placeholder',
        'http://{model}-predictor.{namespace}.svc.cluster.local:8080/v1'
      );
      expect(input('Seconds per stage')).toHaveAttribute('placeholder', '60');
      expect(input('Max stages')).toHaveAttribute('placeholder', '10');
      expect(input('Max concurrent sweeps')).toHaveAttribute('placeholder', '2');
      expect(input('Keep finished Jobs (seconds)')).toHaveAttribute('placeholder', '172800');
      expect(input('CPU request')).toHaveAttribute('placeholder', '1');
      expect(input('CPU limit')).toHaveAttribute('placeholder', '4');
      expect(input('Memory request')).toHaveAttribute('placeholder', '2Gi');
      expect(input('Memory limit')).toHaveAttribute('placeholder', '4Gi');
      expect(input('API server URL')).toHaveAttribute('placeholder', 'in-cluster service account');
      expect(input('Hugging Face cache claim')).toHaveValue('');
      expect(input('Hugging Face cache path')).toHaveAttribute('placeholder', '/hf-cache');
      expect(input('Model API key')).toHaveValue('');
    });

    it('writes every setting into jsonData.kubernetes and the token into secureJsonData', async () => {
      const { last } = renderEditor();
      await enter('Job namespace', 'llm-bench');
      await enter('Model namespace', 'llm-serving');
      await enter('CronJob', 'guidellm-nightly');
      await enter('GuideLLM image', 'quay.io/me/guidellm:v0.6.1');
      await enter('GuideLLM version', '0.6.1');
      await enter('Model endpoint template', 'http://{model}.{namespace}.svc:8000/v1');
      await enter('Seconds per stage', '30');
      await enter('Max stages', '20');
      await enter('Max concurrent sweeps', '3');
      await enter('Keep finished Jobs (seconds)', '3600');
      await enter('CPU request', '500m');
      await enter('CPU limit', '2');
      await enter('Memory request', '1Gi');
      await enter('Memory limit', '3Gi');
      await enter('Hugging Face token Secret', 'hf-token');
      await enter('Hugging Face cache claim', 'hf-cache');
      await enter('Hugging Face cache path', '/opt/hf-cache');
      await enter('Model API key', 'sk-model');
      await enter('API server URL', 'https://api.cluster.example:6443');
      await enter('API server CA certificate', pem);
      expect(errorOf('API server token')).toBe('Required when an API server is set');
      await enter('API server token', 'eyJhbGciOi');
      expect(last().jsonData.kubernetes).toEqual({
        namespace: 'llm-bench',
        modelNamespace: 'llm-serving',
        cronJobName: 'guidellm-nightly',
        image: 'quay.io/me/guidellm:v0.6.1',
        guidellmVersion: '0.6.1',
        endpointTemplate: 'http://{model}.{namespace}.svc:8000/v1',
        secondsPerStage: 30,
        maxStages: 20,
        maxConcurrentSweeps: 3,
        ttlSecondsAfterFinished: 3600,
        resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '3Gi' },
        hfTokenSecret: 'hf-token',
        hfCacheClaim: 'hf-cache',
        hfHome: '/opt/hf-cache',
        apiServer: 'https://api.cluster.example:6443',
        caCert: pem,
      });
      expect(last().secureJsonData).toEqual({ modelApiKey: 'sk-model', kubernetesToken: 'eyJhbGciOi' });
      expect(screen.queryAllByRole('alert')).toHaveLength(0);
    });

    it('shows a configured token and resets it', async () => {
      const { last } = renderEditor(
        settings({
          jsonData: { kubernetes: { namespace: 'bench', apiServer: 'https://api:6443' } },
          secureJsonFields: { kubernetesToken: true },
        })
      );
      expect(input('API server token')).toHaveValue('configured');
      expect(errorOf('API server token')).toBeNull();
      await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
      expect(last().secureJsonFields).toEqual({ kubernetesToken: false });
      expect(last().secureJsonData).toEqual({ kubernetesToken: '' });
      expect(errorOf('API server token')).toBe('Required when an API server is set');
    });

    it('shows a configured model API key and resets it', async () => {
      const { last } = renderEditor(
        settings({
          jsonData: { kubernetes: { namespace: 'bench' } },
          secureJsonFields: { modelApiKey: true },
        })
      );
      expect(input('Model API key')).toHaveValue('configured');
      expect(input('API server token')).toHaveValue('');
      await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
      expect(last().secureJsonFields).toEqual({ modelApiKey: false });
      expect(last().secureJsonData).toEqual({ modelApiKey: '' });
      await enter('Model API key', 'sk-new');
      expect(last().secureJsonData).toEqual({ modelApiKey: 'sk-new' });
    });

    it('adds, edits and removes per-model overrides', async () => {
      const { last } = renderEditor(settings({ jsonData: { kubernetes: { namespace: 'bench' } } }));
      await userEvent.click(screen.getByRole('button', { name: 'Add model override' }));
      await enter('Model override 1 model', 'meta-llama/Llama-3.1-8B-Instruct');
      await enter('Model override 1 endpoint', 'http://llama.llm.svc:8080/v1');
      await enter('Model override 1 tokenizer', 'meta-llama/Llama-3.1-8B-Instruct');
      await userEvent.click(screen.getByRole('button', { name: 'Add model override' }));
      await enter('Model override 2 model', 'mistral-3-int4');
      await enter('Model override 2 tokenizer', 'mistralai/Mistral-Small-3.1');
      expect(last().jsonData.kubernetes?.models).toEqual({
        'meta-llama/Llama-3.1-8B-Instruct': {
          endpoint: 'http://llama.llm.svc:8080/v1',
          processor: 'meta-llama/Llama-3.1-8B-Instruct',
        },
        'mistral-3-int4': { processor: 'mistralai/Mistral-Small-3.1' },
      });

      await userEvent.click(screen.getByRole('button', { name: 'Remove model override 1' }));
      expect(last().jsonData.kubernetes).toEqual({
        namespace: 'bench',
        models: { 'mistral-3-int4': { processor: 'mistralai/Mistral-Small-3.1' } },
      });
      expect(input('Model override 1 model')).toHaveValue('mistral-3-int4');
    });

    it('marks a model listed twice and a bad endpoint at the row, keeping the first row', async () => {
      const { last } = renderEditor(
        settings({ jsonData: { kubernetes: { namespace: 'bench', models: { a: { processor: 'org/a' } } } } })
      );
      await userEvent.click(screen.getByRole('button', { name: 'Add model override' }));
      await enter('Model override 2 model', 'a');
      await enter('Model override 2 endpoint', 'a:8080/v1');
      await enter('Model override 2 tokenizer', 'org/has space');
      expect(errorOf('Model override 2 model')).toBe('"a" is listed twice; only the first row is kept');
      expect(errorOf('Model override 2 endpoint')).toBe('Must start with http:// or https://');
      expect(errorOf('Model override 2 tokenizer')).toBe(
        'A tokenizer id or path without spaces, at most 256 characters'
      );
      expect(last().jsonData.kubernetes?.models).toEqual({ a: { processor: 'org/a' } });
    });

    it('marks invalid settings at the field', async () => {
      renderEditor(settings({ jsonData: { kubernetes: { namespace: 'bench' } } }));
      expect(screen.queryAllByRole('alert')).toHaveLength(0);
      await enter('GuideLLM version', '0.6.1');
      expect(errorOf('GuideLLM version')).toBe(
        'Disagrees with the image tag 0.7.3 (v0.7 command line, not v0.5-v0.6): fix one of them'
      );
      await enter('Model endpoint template', 'http://vllm:8000/v1');
      expect(errorOf('Model endpoint template')).toBe('Must contain {model}');
      await enter('CPU request', '8');
      expect(errorOf('CPU request')).toBe('Must not exceed the limit (4)');
      await enter('Seconds per stage', '5');
      expect(errorOf('Seconds per stage')).toBe('Must be between 10 and 3600');
      await enter('API server CA certificate', 'not a pem');
      expect(errorOf('API server CA certificate')).toBe(
        'Must be a PEM certificate bundle (-----BEGIN CERTIFICATE-----)'
      );
      await enter('Hugging Face token Secret', 'HF_TOKEN');
      expect(errorOf('Hugging Face token Secret')).toBe(
        'Not a Secret name: a lowercase DNS name of at most 253 characters'
      );
      await enter('Hugging Face cache claim', 'HF_Cache');
      expect(errorOf('Hugging Face cache claim')).toBe(
        'Not a PersistentVolumeClaim name: a lowercase DNS name of at most 253 characters'
      );
      await enter('Hugging Face cache path', '/tmp/hf');
      expect(errorOf('Hugging Face cache path')).toBe(
        'Must be an absolute, clean path without spaces, outside /tmp and /results (e.g. /hf-cache)'
      );
      await userEvent.clear(input('Job namespace'));
      await enter('Job namespace', 'Bench');
      expect(errorOf('Job namespace')).toBe(
        'Not a Kubernetes namespace name: at most 63 characters of a-z, 0-9 and "-"'
      );
    });

    it('asks for a namespace when a CronJob is set', async () => {
      renderEditor();
      await enter('CronJob', 'guidellm');
      expect(errorOf('Job namespace')).toBe('Required: the namespace the GuideLLM Jobs run in');
    });
  });
});
