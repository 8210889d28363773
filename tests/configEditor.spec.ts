import { expect, test } from '@grafana/plugin-e2e';

import { RoiDataSourceOptions, RoiSecureJsonData } from '../src/types';

// Needs a running Grafana with the plugin and the provisioned data source (`npm run server`, or the
// docker compose demo); not part of CI.

test('shows the provisioned settings and passes "Save & test"', async ({
  readProvisionedDataSource,
  gotoDataSourceConfigPage,
  page,
}) => {
  const ds = await readProvisionedDataSource<RoiDataSourceOptions, RoiSecureJsonData>({ fileName: 'datasources.yml' });
  const configPage = await gotoDataSourceConfigPage(ds.uid);
  await expect(page.getByRole('textbox', { name: /^Endpoint/ })).toHaveValue(ds.jsonData.store?.endpoint ?? '');
  await expect(page.getByRole('textbox', { name: /^Bucket/ })).toHaveValue(ds.jsonData.store?.bucket ?? '');
  await expect(page.getByText('configured')).toBeVisible();
  await expect(configPage.saveAndTest()).toBeOK();
});

test('marks invalid input at the field', async ({ createDataSourceConfigPage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await createDataSourceConfigPage({ type: ds.type });
  await page.getByRole('textbox', { name: /^Endpoint/ }).fill('http://minio:9000');
  await expect(page.getByText('Give host:port without a scheme; switch on TLS for https')).toBeVisible();
  await page.getByRole('button', { name: 'Add deployment' }).click();
  await page.getByLabel('Deployment 1 GPUs').fill('0');
  await expect(page.getByText('Must be between 1 and 1024')).toBeVisible();
});
