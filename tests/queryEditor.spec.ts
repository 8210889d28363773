import { expect, test } from '@grafana/plugin-e2e';

// Needs a running Grafana with the plugin, the provisioned data source and the demo's S3 reports
// (the docker compose demo); not part of CI.

test('a new query shows breaking points from the stored reports', async ({
  panelEditPage,
  readProvisionedDataSource,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await expect(row.getByRole('combobox', { name: 'Query type' })).toHaveValue('Breaking points');
  await panelEditPage.setVisualization('Table');
  await expect(panelEditPage.refreshPanel()).toBeOK();
  await expect(panelEditPage.panel.fieldNames).toContainText(['model', 'scenario', 'breaking_point']);
});

test('changing the query type runs the new query', async ({ panelEditPage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  const queryRequest = panelEditPage.waitForQueryDataRequest();
  await row.getByRole('combobox', { name: 'Query type' }).click();
  await page.getByRole('option', { name: /^ROI/ }).click();
  await expect(await queryRequest).toBeTruthy();
  await expect(row.getByRole('textbox', { name: 'Target load' })).toBeVisible();
});
