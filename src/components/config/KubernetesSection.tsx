import React from 'react';
import { Field, FieldSet, Input, SecretInput, Stack, Text, TextArea } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { KUBERNETES_DEFAULTS, KubernetesResources, KubernetesSettings } from '../../types';
import { SettingsErrors } from '../../validation';
import { KubernetesModelsSection } from './KubernetesModelsSection';

/** One secureJsonData field as the editor shows it: saved before (configured) or typed now. */
export interface SecretState {
  configured: boolean;
  value: string;
  onChange: (value: string) => void;
  onReset: () => void;
}

interface Props {
  kubernetes: KubernetesSettings;
  onChange: (kubernetes: KubernetesSettings) => void;
  /** secureJsonData.kubernetesToken */
  token: SecretState;
  /** secureJsonData.modelApiKey */
  modelApiKey: SecretState;
  errors: SettingsErrors;
}

type TextKey =
  | 'namespace'
  | 'modelNamespace'
  | 'cronJobName'
  | 'image'
  | 'guidellmVersion'
  | 'endpointTemplate'
  | 'hfTokenSecret'
  | 'hfCacheClaim'
  | 'hfHome';
type NumberKey = 'secondsPerStage' | 'maxStages' | 'maxConcurrentSweeps' | 'ttlSecondsAfterFinished';

const NUMBER_FIELDS: Array<{ key: NumberKey; label: string; description: string }> = [
  { key: 'secondsPerStage', label: 'Seconds per stage', description: 'Default duration of one rate or stream count' },
  { key: 'maxStages', label: 'Max stages', description: 'Most stages one sweep may have' },
  {
    key: 'maxConcurrentSweeps',
    label: 'Max concurrent sweeps',
    description: 'Sweeps running at once in the namespace',
  },
  {
    key: 'ttlSecondsAfterFinished',
    label: 'Keep finished Jobs (seconds)',
    description: 'Their logs hold the reports until ingested',
  },
];

const RESOURCE_FIELDS: Array<{ key: keyof KubernetesResources; label: string }> = [
  { key: 'cpuRequest', label: 'CPU request' },
  { key: 'cpuLimit', label: 'CPU limit' },
  { key: 'memoryRequest', label: 'Memory request' },
  { key: 'memoryLimit', label: 'Memory limit' },
];

/**
 * GuideLLM sweeps as Kubernetes Jobs (jsonData.kubernetes, secureJsonData.kubernetesToken and
 * modelApiKey). Empty fields take the backend defaults shown as placeholders.
 */
export function KubernetesSection({ kubernetes, onChange, token, modelApiKey, errors }: Props) {
  const set = <K extends keyof KubernetesSettings>(key: K, value: KubernetesSettings[K]) =>
    onChange({ ...kubernetes, [key]: value });
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });
  const textInput = (key: TextKey, placeholder: string, width: number) => (
    <Input
      id={`kubernetes-${key}`}
      width={width}
      value={kubernetes[key] ?? ''}
      placeholder={placeholder}
      onChange={(e) => set(key, e.currentTarget.value)}
    />
  );
  const secretInput = (id: string, secret: SecretState) => (
    <SecretInput
      id={id}
      width={30}
      isConfigured={secret.configured}
      value={secret.value}
      autoComplete="off"
      onChange={(e) => secret.onChange(e.currentTarget.value)}
      onReset={secret.onReset}
    />
  );
  const resources = kubernetes.resources ?? {};

  return (
    <FieldSet label="Kubernetes sweeps">
      <Text color="secondary" element="p">
        Launch GuideLLM sweeps from the query editor as Kubernetes Jobs; their reports are stored in the results store
        above. Sweeps are off while the Job namespace is empty.
      </Text>
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field
          label="Job namespace"
          description="Where the GuideLLM Jobs run (and the CronJob lives)"
          {...fieldError('kubernetes.namespace')}
        >
          {textInput('namespace', 'e.g. llm-benchmarks', 30)}
        </Field>
        <Field
          label="Model namespace"
          description="Fills {namespace} in the endpoint template"
          {...fieldError('kubernetes.modelNamespace')}
        >
          {textInput('modelNamespace', 'the Job namespace', 30)}
        </Field>
        <Field
          label="CronJob"
          description="Optional: Jobs use this CronJob's pod template, as kubectl create job --from=cronjob"
          {...fieldError('kubernetes.cronJobName')}
        >
          {textInput('cronJobName', 'built-in Job spec', 30)}
        </Field>
      </Stack>
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field label="GuideLLM image" description="Pinned by tag" {...fieldError('kubernetes.image')}>
          {textInput('image', KUBERNETES_DEFAULTS.image, 45)}
        </Field>
        <Field
          label="GuideLLM version"
          description="Selects the command line (0.5.x, 0.6.x or 0.7.x)"
          {...fieldError('kubernetes.guidellmVersion')}
        >
          {textInput('guidellmVersion', 'from the image tag', 20)}
        </Field>
      </Stack>
      <Field
        label="Model endpoint template"
        description="OpenAI base URL of a model; {model} and {namespace} are replaced"
        {...fieldError('kubernetes.endpointTemplate')}
      >
        {textInput('endpointTemplate', KUBERNETES_DEFAULTS.endpointTemplate, 70)}
      </Field>
      <Stack direction="row" wrap="wrap" gap={2}>
        {NUMBER_FIELDS.map(({ key, label, description }) => (
          <Field key={key} label={label} description={description} {...fieldError(`kubernetes.${key}`)}>
            <Input
              id={`kubernetes-${key}`}
              type="number"
              width={20}
              value={kubernetes[key] ?? ''}
              placeholder={String(KUBERNETES_DEFAULTS[key])}
              onChange={(e) => set(key, parseOptionalNumber(e.currentTarget.value))}
            />
          </Field>
        ))}
      </Stack>
      <Stack direction="row" wrap="wrap" gap={2}>
        {RESOURCE_FIELDS.map(({ key, label }) => (
          <Field key={key} label={label} {...fieldError(`kubernetes.resources.${key}`)}>
            <Input
              id={`kubernetes-resources-${key}`}
              width={14}
              value={resources[key] ?? ''}
              placeholder={KUBERNETES_DEFAULTS[key]}
              onChange={(e) => set('resources', { ...resources, [key]: e.currentTarget.value })}
            />
          </Field>
        ))}
        <Field
          label="Hugging Face token Secret"
          description="Secret in the Job namespace whose key HF_TOKEN GuideLLM gets (gated tokenizers)"
          {...fieldError('kubernetes.hfTokenSecret')}
        >
          {textInput('hfTokenSecret', 'none', 30)}
        </Field>
      </Stack>
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field
          label="Hugging Face cache claim"
          description="PersistentVolumeClaim in the Job namespace with the tokenizers downloaded beforehand; mounted read-only, offline"
          {...fieldError('kubernetes.hfCacheClaim')}
        >
          {textInput('hfCacheClaim', 'none', 30)}
        </Field>
        <Field
          label="Hugging Face cache path"
          description="Where the claim is mounted (HF_HOME); outside /tmp and /results"
          {...fieldError('kubernetes.hfHome')}
        >
          {textInput('hfHome', KUBERNETES_DEFAULTS.hfHome, 30)}
        </Field>
        <Field
          label="Model API key"
          description="Bearer token the model endpoints want (sweep probe, GET /v1/models)"
          {...fieldError('modelApiKey')}
        >
          {secretInput('kubernetes-modelApiKey', modelApiKey)}
        </Field>
      </Stack>
      <KubernetesModelsSection models={kubernetes.models ?? {}} onChange={(models) => set('models', models)} />
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field
          label="API server URL"
          description="Only when Grafana runs outside the cluster; empty uses Grafana's pod service account"
          {...fieldError('kubernetes.apiServer')}
        >
          <Input
            id="kubernetes-apiServer"
            width={45}
            value={kubernetes.apiServer ?? ''}
            placeholder="in-cluster service account"
            onChange={(e) => set('apiServer', e.currentTarget.value)}
          />
        </Field>
        <Field
          label="API server token"
          description="Bearer token of a service account"
          {...fieldError('kubernetesToken')}
        >
          {secretInput('kubernetes-token', token)}
        </Field>
      </Stack>
      <Field
        label="API server CA certificate"
        description="PEM bundle of the API server above; empty trusts the system roots"
        {...fieldError('kubernetes.caCert')}
      >
        <TextArea
          id="kubernetes-caCert"
          rows={4}
          cols={70}
          value={kubernetes.caCert ?? ''}
          placeholder="-----BEGIN CERTIFICATE-----"
          onChange={(e) => set('caCert', e.currentTarget.value)}
        />
      </Field>
    </FieldSet>
  );
}
