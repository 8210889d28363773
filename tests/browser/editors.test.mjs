// Renders the built frontend (dist/module.js) in headless Chromium with the real @grafana/* packages
// and checks that the config editor and every query editor show their controls without a console
// error, a page error or a request nobody answers. Screenshots of each go to
// .cache/browser/screenshots/; with UPDATE_SCREENSHOTS=1 the catalog ones are written to src/img/.
//
//   npm run build && npx webpack -c tests/browser/webpack.config.mjs && node --test tests/browser/
//
// No Grafana server runs here: host.tsx plays Grafana's plugin loader, and the resource calls the
// pickers make are answered from fixtures/resources/ (the backend's own tests cover those routes).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const ORIGIN = 'http://plugin.test';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(root, '.cache/browser/screenshots');

/** Each editor and the labels of the controls it must show. */
const EDITORS = [
  {
    name: 'config',
    hash: 'config',
    labels: ['Endpoint', 'Bucket', 'Access key', 'Secret key', 'GPU prices', 'Deployments', 'SLA thresholds'],
    catalog: 'Data source settings',
  },
  ...[
    ['breakingPoints', ['Models', 'Scenarios', 'Latest only'], 'Query editor: breaking points'],
    ['roi', ['Models', 'Scenarios', 'Target load'], 'Query editor: ROI of N small vs one big deployment'],
    ['curves', ['Models', 'Scenarios', 'Latest only']],
    ['runs', ['Models', 'Scenarios', 'Latest only']],
    ['annotations', ['Models', 'Scenarios', 'Latest only']],
    ['metrics', ['Metric', 'Namespace', 'Models', 'Legend'], 'Query editor: live vLLM and DCGM metrics'],
    ['efficiency', ['Namespace', 'Models', 'Instant']],
    ['status', ['Namespace', 'Models']],
    ['sweeps', ['New sweep', 'Vibe check: one prompt, two models, side by side'], 'Query editor: GuideLLM sweeps'],
  ].map(([type, labels, catalog]) => ({
    name: `query-${type}`,
    hash: `query=${type}`,
    labels: ['Query type', ...labels],
    catalog,
  })),
];

const CONTENT_TYPES = { '.js': 'text/javascript', '.json': 'application/json', '.html': 'text/html', '.svg': 'image/svg+xml' };

/** Answers the page's requests from files; returns undefined for a request nobody answers. */
function answer(url) {
  const { pathname } = new URL(url);
  const resource = pathname.match(/^\/api\/datasources\/uid\/inferenceroi\/resources\/([a-z/]+)$/);
  const candidates = {
    '/': path.join(here, 'index.html'),
    '/fixtures/datasource.json': path.join(here, 'fixtures/datasource.json'),
    '/fixtures/queries.json': path.join(here, 'fixtures/queries.json'),
  };
  let file = candidates[pathname];
  if (!file && pathname.startsWith('/host/')) {
    file = path.join(root, '.cache/browser', pathname);
  } else if (!file && pathname.startsWith('/dist/')) {
    file = path.join(root, pathname);
  } else if (!file && pathname.startsWith('/public/build/img/icons/')) {
    // Grafana serves the icons @grafana/ui fetches; the npm package ships the same files.
    file = path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons', pathname.slice('/public/build/img/icons/'.length));
  } else if (!file && resource) {
    file = path.join(here, 'fixtures/resources', `${resource[1]}.json`);
  }
  if (!file || !existsSync(file)) {
    return undefined;
  }
  return { body: readFileSync(file), contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' };
}

describe('editors in a browser', () => {
  let browser;

  before(async () => {
    for (const needed of ['dist/module.js', 'dist/plugin.json', '.cache/browser/host/host.js']) {
      assert.ok(existsSync(path.join(root, needed)), `${needed} is missing: run the build commands at the top of this file`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  for (const editor of EDITORS) {
    it(`renders the ${editor.name} editor with its controls and no console error`, async () => {
      const context = await browser.newContext({ viewport: { width: 1040, height: 900 }, colorScheme: 'dark' });
      const page = await context.newPage();
      // Generous: a shared CI machine under load renders slowly; the test is about errors, not speed.
      page.setDefaultTimeout(120_000);
      const problems = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') {
          problems.push(`console error: ${msg.text()}`);
        }
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
      await context.route('**/*', (route) => {
        const url = route.request().url();
        const found = url.startsWith(ORIGIN) ? answer(url) : undefined;
        if (!found) {
          problems.push(`unanswered request: ${route.request().method()} ${url}`);
          return route.fulfill({ status: 404, contentType: 'application/json', body: '{"message":"not found"}' });
        }
        return route.fulfill({ status: 200, contentType: found.contentType, body: found.body });
      });

      await page.goto(`${ORIGIN}/#${editor.hash}`);
      await page.locator(`#editor[data-editor]`).waitFor();
      for (const label of editor.labels) {
        await page
          .getByText(label, { exact: true })
          .first()
          .waitFor({ state: 'visible' })
          .catch(() => problems.push(`no control labelled "${label}"`));
      }
      // Let the pickers' resource calls settle before the picture and the final error check.
      await page.waitForLoadState('networkidle');
      const shot = path.join(SHOTS, `${editor.name}.png`);
      await page.locator('#editor').screenshot({ path: shot });
      if (process.env.UPDATE_SCREENSHOTS === '1' && editor.catalog) {
        copyFileSync(shot, path.join(root, 'src/img', `screenshot-${editor.name}.png`));
      }
      await context.close();
      assert.deepEqual(problems, []);
    });
  }

  it('has a catalog screenshot in plugin.json for each catalog editor, and none other', () => {
    const plugin = JSON.parse(readFileSync(path.join(root, 'plugin.json'), 'utf8'));
    const listed = (plugin.info.screenshots ?? []).map((s) => s.path).sort();
    const expected = EDITORS.filter((e) => e.catalog)
      .map((e) => `img/screenshot-${e.name}.png`)
      .sort();
    assert.deepEqual(listed, expected);
    for (const p of listed) {
      assert.ok(existsSync(path.join(root, 'src', p)), `src/${p} is missing: run with UPDATE_SCREENSHOTS=1`);
    }
  });
});
