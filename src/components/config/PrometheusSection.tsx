import React from 'react';
import { Field, FieldSet, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { setting } from '../../settingsSchema';
import { DEFAULTS, MetricPrefix, PrometheusSettings } from '../../types';
import { SettingsErrors } from '../../validation';

interface Props {
  prometheus: PrometheusSettings;
  onChange: (prometheus: PrometheusSettings) => void;
  errors: SettingsErrors;
}

const PREFIX_SERVERS: Record<MetricPrefix, string> = {
  'vllm:': 'vLLM and Red Hat AI Inference Server',
  'kserve_vllm:': 'KServe LLMInferenceService',
};

/** The prefixes the backend accepts (settings.schema.json), with the servers that export them. */
const PREFIXES = (setting('prometheus.metricPrefix').enum ?? []).map((value) => ({
  label: value,
  value: value as MetricPrefix,
  description: PREFIX_SERVERS[value as MetricPrefix],
}));

/** How live vLLM/DCGM metrics are read from the Thanos/Prometheus URL above (jsonData.prometheus). */
export function PrometheusSection({ prometheus, onChange, errors }: Props) {
  const set = <K extends keyof PrometheusSettings>(key: K, value: PrometheusSettings[K]) =>
    onChange({ ...prometheus, [key]: value });
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });

  return (
    <FieldSet label="Live metrics">
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field
          label="Metric prefix"
          description="One family is read, never both (KServe may export both)"
          {...fieldError('prometheus.metricPrefix')}
        >
          <RadioButtonGroup
            id="prometheus-metric-prefix"
            options={PREFIXES}
            value={prometheus.metricPrefix ?? DEFAULTS.metricPrefix}
            onChange={(v) => set('metricPrefix', v)}
          />
        </Field>
        <Field
          label="Scrape interval (seconds)"
          description="Rate windows are at least 4 scrape intervals"
          {...fieldError('prometheus.scrapeIntervalSeconds')}
        >
          <Input
            id="prometheus-scrape-interval"
            type="number"
            width={16}
            value={prometheus.scrapeIntervalSeconds ?? ''}
            placeholder={String(DEFAULTS.scrapeIntervalSeconds)}
            onChange={(e) => set('scrapeIntervalSeconds', parseOptionalNumber(e.currentTarget.value))}
          />
        </Field>
      </Stack>
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field
          label="Default namespace"
          description="Namespace filter of live queries that name none"
          {...fieldError('prometheus.namespace')}
        >
          <Input
            id="prometheus-namespace"
            width={30}
            value={prometheus.namespace ?? ''}
            placeholder="all namespaces"
            onChange={(e) => set('namespace', e.currentTarget.value)}
          />
        </Field>
        <Field
          label="Tenancy namespace"
          description="OpenShift Thanos Querier tenancy port (9092) only: every request is limited to this namespace"
          {...fieldError('prometheus.tenancyNamespace')}
        >
          <Input
            id="prometheus-tenancy-namespace"
            width={30}
            value={prometheus.tenancyNamespace ?? ''}
            placeholder="unset (port 9091)"
            onChange={(e) => set('tenancyNamespace', e.currentTarget.value)}
          />
        </Field>
      </Stack>
    </FieldSet>
  );
}
