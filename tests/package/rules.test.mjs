// node --test tests/package/: every rule passes a well-formed archive and fails the archive broken
// in that rule's way.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { amdDependencies, checkPackage, relativeLinks } from './rules.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schema = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/plugin.schema.json'), 'utf8'));
const ID = 'inferenceroi-vllm-datasource';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

function pluginJson() {
  const p = JSON.parse(readFileSync(path.join(root, 'plugin.json'), 'utf8'));
  p.info.version = '1.0.0';
  p.info.updated = '2026-12-04';
  p.info.screenshots = [{ name: 'Config editor', path: 'img/screenshot-config.png' }];
  return p;
}

/** A well-formed archive as readZip returns it; override or delete entries with `changes`. */
function archive(changes = {}, plugin = pluginJson()) {
  const files = {
    'plugin.json': [JSON.stringify(plugin)],
    'module.js': ['define(["@grafana/data","@grafana/ui","react","rxjs"],(e,t,n,r)=>{});'],
    'README.md': ['# Inference ROI\n\nSee [deploy](https://github.com/inferenceroi/vllm-datasource/blob/main/deploy/README.md).\n'],
    LICENSE: ['Apache License\n\nCopyright 2026 The Inference ROI authors\n'],
    'CHANGELOG.md': ['# Changelog\n\n## 1.0.0 (2026-12-04)\n\nInitial release.\n'],
    'img/logo.svg': ['<svg/>'],
    'img/screenshot-config.png': [PNG],
    'go_plugin_build_manifest': ['x'],
    'gpx_inferenceroi_linux_amd64': ['ELF', 0o755],
    'gpx_inferenceroi_linux_arm64': ['ELF', 0o755],
    ...Object.fromEntries((plugin.includes ?? []).map((i) => [i.path, ['{}']])),
    ...changes,
  };
  const entries = new Map();
  for (const [name, spec] of Object.entries(files)) {
    if (spec === undefined) {
      continue;
    }
    const [content, mode = 0o644] = spec;
    entries.set(`${ID}/${name}`, { mode, data: () => Buffer.from(content) });
  }
  return entries;
}

describe('checkPackage', () => {
  it('passes a well-formed archive', () => {
    assert.deepEqual(checkPackage(archive(), schema), []);
  });

  const broken = [
    ['a relative README link', { 'README.md': ['See [deploy](deploy/README.md).'] }, /readme: link "deploy\/README.md"/],
    ['a relative README image', { 'README.md': ['<img src="img/x.png">'] }, /readme: link "img\/x.png"/],
    ['the LICENSE template line', { LICENSE: ['Copyright {yyyy} {name of copyright owner}'] }, /license: .*\{yyyy\}/],
    ['no CHANGELOG entry for the version', { 'CHANGELOG.md': ['## 0.9.0\n'] }, /changelog: .* 1\.0\.0/],
    ['a missing screenshot', { 'img/screenshot-config.png': undefined }, /screenshots: "img\/screenshot-config.png"/],
    ['a screenshot that is no image', { 'img/screenshot-config.png': ['text'] }, /not a PNG/],
    ['a missing logo', { 'img/logo.svg': undefined }, /logos: small logo/],
    ['a binary without its run bit', { gpx_inferenceroi_linux_arm64: ['ELF', 0o644] }, /binarypermissions: .*linux_arm64 has mode 0644/],
    ['a group-writable binary', { gpx_inferenceroi_linux_amd64: ['ELF', 0o775] }, /binarypermissions: .*0775/],
    ['no arm64 binary', { gpx_inferenceroi_linux_arm64: undefined }, /no gpx_inferenceroi_linux_arm64/],
    ['a binary under another name', { gpx_inferenceroi_linux_amd64_debug: ['ELF', 0o755] }, /not named gpx_inferenceroi_<os>_<arch>/],
    ['a windows binary without .exe', { gpx_inferenceroi_windows_amd64: ['MZ', 0o755] }, /not named/],
    ['no build manifest', { go_plugin_build_manifest: undefined }, /go-manifest/],
    ['a standalone debug file', { 'standalone.txt': ['127.0.0.1:1'] }, /backenddebug: standalone.txt/],
    ['an external Grafana does not provide', { 'module.js': ['define(["@grafana/data","left-pad"],()=>{});'] }, /"left-pad"/],
    ['a module.js that is not AMD', { 'module.js': ['console.log(1)'] }, /not an AMD module/],
    ['a missing included dashboard', { 'dashboards/roi-of-quantization.json': undefined }, /includes: dashboard/],
    ['a missing module.js', { 'module.js': undefined }, /modulejs: missing module.js/],
  ];
  for (const [what, changes, want] of broken) {
    it(`fails ${what}`, () => {
      const problems = checkPackage(archive(changes), schema);
      assert.ok(problems.some((p) => want.test(p)), `want ${want}, got ${JSON.stringify(problems)}`);
    });
  }

  it('fails a plugin.json the schema refuses', () => {
    const p = pluginJson();
    p.info.keywords = [];
    p.executables = 'x';
    const problems = checkPackage(archive({}, p), schema);
    assert.ok(problems.some((m) => m.startsWith('metadatavalid:')), JSON.stringify(problems));
  });

  it('fails an unfilled version and no screenshots', () => {
    const p = pluginJson();
    p.info.version = '%VERSION%';
    p.info.screenshots = [];
    const problems = checkPackage(archive({}, p), schema);
    assert.ok(problems.some((m) => m.startsWith('version:')), JSON.stringify(problems));
    assert.ok(problems.includes('screenshots: plugin.json lists no screenshots'), JSON.stringify(problems));
  });

  it('fails a top folder that is not the plugin id', () => {
    const renamed = new Map([...archive()].map(([k, v]) => [k.replace(ID, 'other-datasource'), v]));
    assert.ok(checkPackage(renamed, schema).some((m) => m.includes('is not the plugin id')));
  });

  it('fails files outside one top folder', () => {
    const entries = archive();
    entries.set('stray.txt', { mode: 0o644, data: () => Buffer.from('') });
    assert.match(checkPackage(entries, schema)[0], /one top folder/);
  });

  it('asks a per-platform archive for that platform only', () => {
    const entries = archive({ gpx_inferenceroi_linux_amd64: undefined });
    assert.deepEqual(checkPackage(entries, schema, { platforms: ['linux_arm64'] }), []);
  });
});

describe('relativeLinks', () => {
  it('finds relative targets and ignores absolute ones, anchors and code', () => {
    const md = [
      '[a](https://x.org/a) [b](docs/b.md) [c](#usage) <http://localhost:3000>',
      '![i](./img/i.png)',
      '[d]: ../d.md',
      '`[e](e.md)`',
      '```\n[f](f.md)\n```',
      '<a href="g.html">g</a> [h](mailto:x@y.org)',
    ].join('\n');
    assert.deepEqual(relativeLinks(md), ['docs/b.md', './img/i.png', '../d.md', 'g.html']);
  });
});

describe('amdDependencies', () => {
  it("reads webpack's AMD header", () => {
    assert.deepEqual(amdDependencies('/*! licence */\ndefine(["react","@grafana/ui"],(e,t)=>(()=>{})());'), [
      'react',
      '@grafana/ui',
    ]);
  });
});
