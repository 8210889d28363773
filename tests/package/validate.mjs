// Checks built catalog archives against the plugin validator's offline rules:
//   node tests/package/validate.mjs artifacts/<id>-<version>.zip artifacts/<id>-<version>.linux_arm64.zip …
// An archive named …<os>_<arch>.zip must hold that platform's executable; the others every platform
// in REQUIRED_PLATFORMS. Exits 1 and lists every broken rule when one fails.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkPackage, REQUIRED_PLATFORMS } from './rules.mjs';
import { readZip } from './zip.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = path.join(root, 'tests/fixtures/plugin.schema.json');
// The schema the validator uses lives in the shared samples (../shared next to the clone in CI);
// the copy in tests/fixtures must not drift from it.
const shared = path.join(root, '../shared/samples/grafana-plugin/plugin.schema.json');
if (existsSync(shared) && readFileSync(shared, 'utf8') !== readFileSync(fixture, 'utf8')) {
  console.error(`tests/fixtures/plugin.schema.json differs from ${shared}: copy the current schema`);
  process.exit(1);
}
const schema = JSON.parse(readFileSync(fixture, 'utf8'));

const archives = process.argv.slice(2);
if (archives.length === 0) {
  console.error('usage: node tests/package/validate.mjs <archive.zip>...');
  process.exit(2);
}
let failed = false;
for (const archive of archives) {
  const platform = archive.match(/\.((?:linux|darwin|windows)_(?:amd64|arm64|arm))\.zip$/)?.[1];
  const problems = checkPackage(readZip(archive), schema, { platforms: platform ? [platform] : REQUIRED_PLATFORMS });
  if (problems.length) {
    failed = true;
    console.error(`FAIL ${archive}`);
    for (const p of problems) {
      console.error(`  ${p}`);
    }
  } else {
    console.log(`ok   ${archive}`);
  }
}
process.exit(failed ? 1 : 0);
