// The plugin validator's offline rules (grafana/plugin-validator v0.45.6), applied to a built
// catalog zip. The validator itself cannot be installed here (see README, "Release"); each rule
// below is one of its analyzers that needs no network.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The modules Grafana hands to a plugin's AMD define() (grafana
 * public/app/features/plugins/loader/sharedDependencies.ts, Grafana 12.x); module.js may import
 * nothing else from outside its bundle.
 */
export const GRAFANA_SHARED_MODULES = new Set([
  '@emotion/css',
  '@emotion/react',
  '@grafana/data',
  '@grafana/data/unstable',
  '@grafana/runtime',
  '@grafana/runtime/unstable',
  '@grafana/slate-react',
  '@grafana/ui',
  '@grafana/ui/unstable',
  'd3',
  'emotion',
  'i18next',
  'jquery',
  'lodash',
  'moment',
  'prismjs',
  'react',
  'react-dom',
  'react-inlinesvg',
  'react-redux',
  'react-router',
  'react-router-dom',
  'react/jsx-runtime',
  'redux',
  'rxjs',
  'rxjs/operators',
  'slate',
  'slate-plain-serializer',
  'slate-react',
]);

/** Platforms every release must carry: Grafana in Docker/Kubernetes on Intel and on ARM. */
export const REQUIRED_PLATFORMS = ['linux_amd64', 'linux_arm64'];

const TEMPLATE_LICENSE_TEXT = [
  /\{yyyy\}/,
  /\{name of copyright owner\}/i,
  /\[yyyy\]/,
  /\[name of copyright owner\]/i,
  /<year>/i,
  /<copyright holders?>/i,
];

/**
 * Checks one plugin archive.
 * @param {Map<string, {mode: number, data: () => Buffer}>} entries the archive (see zip.mjs)
 * @param {object} schema plugin.schema.json
 * @param {{platforms?: string[]}} [want] platforms the archive must hold (default REQUIRED_PLATFORMS)
 * @returns {string[]} one message per broken rule; empty when the archive passes
 */
export function checkPackage(entries, schema, want = {}) {
  const problems = [];
  const names = [...entries.keys()].filter((n) => !n.endsWith('/'));
  const tops = new Set(names.map((n) => n.split('/')[0]));
  if (tops.size !== 1 || names.some((n) => !n.includes('/'))) {
    return [`archive: every file must be under one top folder named after the plugin id; found ${[...tops].join(', ')}`];
  }
  const [top] = tops;
  const file = (rel) => entries.get(`${top}/${rel}`);
  const text = (rel) => file(rel)?.data().toString('utf8');

  const pluginText = text('plugin.json');
  if (pluginText === undefined) {
    return ['archive: no plugin.json at the top folder'];
  }
  const plugin = JSON.parse(pluginText);

  // archive + metadata
  if (plugin.id !== top) {
    problems.push(`archive: top folder "${top}" is not the plugin id "${plugin.id}"`);
  }
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (!validate(plugin)) {
    for (const e of validate.errors ?? []) {
      problems.push(`metadatavalid: plugin.json${e.instancePath} ${e.message}`);
    }
  }
  const version = plugin.info?.version ?? '';
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    problems.push(`version: plugin.json info.version "${version}" is not a release version (was the frontend built?)`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(plugin.info?.updated ?? '')) {
    problems.push(`metadata: plugin.json info.updated "${plugin.info?.updated}" is not a date`);
  }
  if (!file('module.js')) {
    problems.push('modulejs: missing module.js');
  }

  // readme: links must be absolute for the catalog
  const readme = text('README.md');
  if (!readme) {
    problems.push('readme: missing or empty README.md');
  } else {
    for (const link of relativeLinks(readme)) {
      problems.push(`readme: link "${link}" is relative; the catalog needs absolute links`);
    }
  }

  // license
  const license = text('LICENSE');
  if (!license) {
    problems.push('license: missing LICENSE');
  } else {
    for (const re of TEMPLATE_LICENSE_TEXT) {
      const m = license.match(re);
      if (m) {
        problems.push(`license: LICENSE still holds the template placeholder "${m[0]}"`);
      }
    }
  }

  // changelog: an entry for this version
  const changelog = text('CHANGELOG.md');
  if (!changelog) {
    problems.push('changelog: missing or empty CHANGELOG.md');
  } else if (!new RegExp(`^#+\\s*\\[?v?${version.replace(/\./g, '\\.')}\\b`, 'm').test(changelog)) {
    problems.push(`changelog: CHANGELOG.md has no heading for version ${version}`);
  }

  // logos and screenshots
  for (const [key, path] of Object.entries(plugin.info?.logos ?? {})) {
    if (!file(path)) {
      problems.push(`logos: ${key} logo "${path}" is not in the archive`);
    }
  }
  const screenshots = plugin.info?.screenshots ?? [];
  if (screenshots.length === 0) {
    problems.push('screenshots: plugin.json lists no screenshots');
  }
  for (const s of screenshots) {
    const f = file(s.path);
    if (!f) {
      problems.push(`screenshots: "${s.path}" (${s.name}) is not in the archive`);
    } else if (!isImage(f.data())) {
      problems.push(`screenshots: "${s.path}" is not a PNG, JPEG or GIF`);
    }
  }

  // includes
  for (const inc of plugin.includes ?? []) {
    if (inc.path && !file(inc.path)) {
      problems.push(`includes: ${inc.type} "${inc.name}" at "${inc.path}" is not in the archive`);
    }
  }

  // backend: one executable per platform, named after `executable`, with its run bit
  if (plugin.backend || plugin.alerting) {
    problems.push(...checkExecutables(names.map((n) => n.slice(top.length + 1)), file, plugin.executable, want));
  }
  for (const debugFile of ['standalone.txt', 'pid.txt']) {
    if (file(debugFile)) {
      problems.push(`backenddebug: ${debugFile} from a standalone debug run is in the archive`);
    }
  }

  // module.js externals
  const moduleJs = text('module.js');
  if (moduleJs) {
    const deps = amdDependencies(moduleJs);
    if (deps === undefined) {
      problems.push('modulejs: module.js is not an AMD module (no define([...]) at its start)');
    } else {
      for (const dep of deps) {
        if (dep !== 'module' && !GRAFANA_SHARED_MODULES.has(dep)) {
          problems.push(`modulejs: module.js imports "${dep}", which Grafana does not provide to plugins`);
        }
      }
    }
  }
  return problems;
}

function checkExecutables(relNames, file, executable, want) {
  const problems = [];
  if (!executable) {
    return ['backendbinary: backend plugin without "executable" in plugin.json'];
  }
  const platforms = new Map();
  for (const rel of relNames) {
    const base = rel.split('/').pop();
    if (!base.startsWith(executable)) {
      continue;
    }
    const m = base.match(new RegExp(`^${executable}_(linux|darwin|windows)_(amd64|arm64|arm)(\\.exe)?$`));
    if (!m || (m[1] === 'windows') !== Boolean(m[3]) || rel.includes('/')) {
      problems.push(`backendbinary: "${rel}" is not named ${executable}_<os>_<arch> at the top folder`);
      continue;
    }
    const platform = `${m[1]}_${m[2]}`;
    if (platforms.has(platform)) {
      problems.push(`backendbinary: two executables for ${platform}`);
    }
    platforms.set(platform, rel);
    const mode = file(rel).mode;
    if (m[1] !== 'windows' && mode !== 0o755) {
      problems.push(`binarypermissions: ${rel} has mode ${mode.toString(8).padStart(4, '0')}, the catalog requires 0755`);
    }
  }
  for (const platform of want.platforms ?? REQUIRED_PLATFORMS) {
    if (!platforms.has(platform)) {
      problems.push(`backendbinary: no ${executable}_${platform} executable`);
    }
  }
  if (!file('go_plugin_build_manifest')) {
    problems.push('go-manifest: missing go_plugin_build_manifest');
  }
  return problems;
}

/** Links in Markdown or HTML that are neither absolute URLs nor in-page anchors. */
export function relativeLinks(markdown) {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const targets = [];
  for (const m of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    targets.push(m[1]);
  }
  for (const m of withoutCode.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)) {
    targets.push(m[1]);
  }
  for (const m of withoutCode.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)) {
    targets.push(m[1]);
  }
  return targets.filter((t) => !/^(https?:|mailto:)/i.test(t) && !t.startsWith('#'));
}

/** The dependency list of the AMD define() webpack emits at the start of module.js. */
export function amdDependencies(moduleJs) {
  const m = moduleJs.match(/^\s*(?:\/\*[\s\S]*?\*\/\s*)*define\(\s*(\[[^\]]*\])/);
  return m ? JSON.parse(m[1].replace(/'/g, '"')) : undefined;
}

function isImage(buf) {
  const png = buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = buf[0] === 0xff && buf[1] === 0xd8;
  const gif = buf.subarray(0, 4).toString('latin1') === 'GIF8';
  return png || jpeg || gif;
}
