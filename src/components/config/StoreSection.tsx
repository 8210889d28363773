import React from 'react';
import { Field, FieldSet, Input, SecretInput, Stack, Switch } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { DEFAULTS, StoreSettings } from '../../types';
import { SettingsErrors } from '../../validation';

interface Props {
  store: StoreSettings;
  onChange: (store: StoreSettings) => void;
  secretConfigured: boolean;
  secret: string;
  onSecretChange: (secret: string) => void;
  onSecretReset: () => void;
  errors: SettingsErrors;
}

/** The S3-compatible bucket that holds the GuideLLM reports (jsonData.store, secureJsonData.storeSecretKey). */
export function StoreSection({
  store,
  onChange,
  secretConfigured,
  secret,
  onSecretChange,
  onSecretReset,
  errors,
}: Props) {
  const set = <K extends keyof StoreSettings>(key: K, value: StoreSettings[K]) => onChange({ ...store, [key]: value });
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });

  return (
    <FieldSet label="Results store (GuideLLM reports)">
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field
          label="Endpoint"
          description="host:port of the S3-compatible server (MinIO, Ceph/ODF, AWS S3), without a scheme"
          {...fieldError('store.endpoint')}
        >
          <Input
            id="store-endpoint"
            width={40}
            value={store.endpoint ?? ''}
            placeholder="minio.storage.svc:9000"
            onChange={(e) => set('endpoint', e.currentTarget.value)}
          />
        </Field>
        <Field label="Use TLS" description="https to the endpoint">
          <Switch
            id="store-use-tls"
            value={store.useTLS ?? false}
            onChange={(e) => set('useTLS', e.currentTarget.checked)}
          />
        </Field>
      </Stack>
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field label="Bucket" {...fieldError('store.bucket')}>
          <Input
            id="store-bucket"
            width={30}
            value={store.bucket ?? ''}
            placeholder="guidellm-results"
            onChange={(e) => set('bucket', e.currentTarget.value)}
          />
        </Field>
        <Field label="Prefix" description="Only keys under this prefix are read">
          <Input
            id="store-prefix"
            width={30}
            value={store.prefix ?? ''}
            placeholder="reports/"
            onChange={(e) => set('prefix', e.currentTarget.value)}
          />
        </Field>
        <Field label="Region">
          <Input
            id="store-region"
            width={20}
            value={store.region ?? ''}
            placeholder={DEFAULTS.region}
            onChange={(e) => set('region', e.currentTarget.value)}
          />
        </Field>
      </Stack>
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field label="Access key" {...fieldError('store.accessKey')}>
          <Input
            id="store-access-key"
            width={30}
            value={store.accessKey ?? ''}
            autoComplete="off"
            onChange={(e) => set('accessKey', e.currentTarget.value)}
          />
        </Field>
        <Field label="Secret key" {...fieldError('storeSecretKey')}>
          <SecretInput
            id="store-secret-key"
            width={30}
            isConfigured={secretConfigured}
            value={secret}
            autoComplete="off"
            onChange={(e) => onSecretChange(e.currentTarget.value)}
            onReset={onSecretReset}
          />
        </Field>
      </Stack>
      <Stack direction="row" wrap="wrap" gap={2}>
        <Field
          label="Max object size (MB)"
          description="Larger objects are reported, not read"
          {...fieldError('store.maxObjectSizeMB')}
        >
          <Input
            id="store-max-object-size"
            type="number"
            width={20}
            value={store.maxObjectSizeMB ?? ''}
            placeholder={String(DEFAULTS.maxObjectSizeMB)}
            onChange={(e) => set('maxObjectSizeMB', parseOptionalNumber(e.currentTarget.value))}
          />
        </Field>
        <Field
          label="Cache (seconds)"
          description="How long one bucket listing is reused"
          {...fieldError('store.cacheSeconds')}
        >
          <Input
            id="store-cache-seconds"
            type="number"
            width={20}
            value={store.cacheSeconds ?? ''}
            placeholder={String(DEFAULTS.cacheSeconds)}
            onChange={(e) => set('cacheSeconds', parseOptionalNumber(e.currentTarget.value))}
          />
        </Field>
      </Stack>
    </FieldSet>
  );
}
