import React from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { config } from '@grafana/runtime';
import { DataSourceHttpSettings, Divider, Stack } from '@grafana/ui';

import { RoiDataSourceOptions, RoiSecureJsonData } from '../types';
import { validateSettings } from '../validation';
import { DeploymentsSection } from './config/DeploymentsSection';
import { GpuPricesSection } from './config/GpuPricesSection';
import { KubernetesSection, SecretState } from './config/KubernetesSection';
import { PrometheusSection } from './config/PrometheusSection';
import { ScenariosSection } from './config/ScenariosSection';
import { SizingSection } from './config/SizingSection';
import { SlaSection } from './config/SlaSection';
import { StoreSection } from './config/StoreSection';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<RoiDataSourceOptions, RoiSecureJsonData>;

/** Edits every setting pkg/models/settings.go reads, and marks at the field what it would refuse. */
export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const { jsonData, secureJsonFields, secureJsonData } = options;
  const secret = secureJsonData?.storeSecretKey ?? '';
  const secretConfigured = Boolean(secureJsonFields?.storeSecretKey);

  const setJsonData = (patch: Partial<RoiDataSourceOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  const setSecret = (key: keyof RoiSecureJsonData, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } });
  const resetSecret = (key: keyof RoiSecureJsonData) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });
  const secretState = (key: keyof RoiSecureJsonData): SecretState => ({
    configured: Boolean(secureJsonFields?.[key]),
    value: secureJsonData?.[key] ?? '',
    onChange: (value) => setSecret(key, value),
    onReset: () => resetSecret(key),
  });
  const token = secretState('kubernetesToken');
  const errors = validateSettings(jsonData, {
    storeSecretKey: secretConfigured || secret !== '',
    kubernetesToken: token.configured || token.value !== '',
  });

  return (
    <Stack direction="column" gap={2}>
      {/* Grafana's standard URL/auth/TLS/header settings for the Thanos Querier or Prometheus; the
          backend builds its HTTP client from them. Its replacement lives in @grafana/plugin-ui,
          which this plugin does not otherwise need. */}
      {/* eslint-disable-next-line @typescript-eslint/no-deprecated */}
      <DataSourceHttpSettings
        defaultUrl="https://thanos-querier.openshift-monitoring.svc:9091"
        urlLabel="Thanos / Prometheus URL"
        dataSourceConfig={options}
        onChange={onOptionsChange}
        showAccessOptions={false}
        secureSocksDSProxyEnabled={config.secureSocksDSProxyEnabled}
      />
      <PrometheusSection
        prometheus={jsonData.prometheus ?? {}}
        onChange={(prometheus) => setJsonData({ prometheus })}
        errors={errors}
      />
      <Divider />
      <StoreSection
        store={jsonData.store ?? {}}
        onChange={(store) => setJsonData({ store })}
        secretConfigured={secretConfigured}
        secret={secret}
        onSecretChange={(value) => setSecret('storeSecretKey', value)}
        onSecretReset={() => resetSecret('storeSecretKey')}
        errors={errors}
      />
      <Divider />
      <DeploymentsSection
        deployments={jsonData.deployments ?? []}
        onChange={(deployments) => setJsonData({ deployments })}
        errors={errors}
      />
      <GpuPricesSection gpuPrices={jsonData.gpuPrices ?? {}} onChange={(gpuPrices) => setJsonData({ gpuPrices })} />
      <SizingSection sizing={jsonData.sizing ?? {}} onChange={(sizing) => setJsonData({ sizing })} errors={errors} />
      <Divider />
      <SlaSection sla={jsonData.sla} onChange={(sla) => setJsonData({ sla })} errors={errors} />
      <ScenariosSection
        scenarios={jsonData.scenarios ?? []}
        onChange={(scenarios) => setJsonData({ scenarios })}
        errors={errors}
      />
      <Divider />
      <KubernetesSection
        kubernetes={jsonData.kubernetes ?? {}}
        onChange={(kubernetes) => setJsonData({ kubernetes })}
        token={token}
        modelApiKey={secretState('modelApiKey')}
        errors={errors}
      />
    </Stack>
  );
}
