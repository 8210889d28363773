import fs from 'fs';
import path from 'path';
import ts from 'typescript';

import { boundsOf, matchesSetting, schemaDef, setting, SchemaNode, SETTINGS_SCHEMA } from './settingsSchema';

/** The hand-written settings types of src/types.ts, read with the TypeScript compiler. */
const typesSource = ts.createSourceFile(
  'types.ts',
  fs.readFileSync(path.resolve(__dirname, 'types.ts'), 'utf8'),
  ts.ScriptTarget.Latest,
  true
);

function declaration<T extends ts.Node>(name: string, is: (n: ts.Node) => n is T): T {
  let found: T | undefined;
  typesSource.forEachChild((n) => {
    if (is(n) && (n as unknown as { name: ts.Identifier }).name.text === name) {
      found = n;
    }
  });
  if (!found) {
    throw new Error(`types.ts declares no ${name}`);
  }
  return found;
}

/** The members of an interface: name → TypeScript type text (without `Partial<>`/`Array<>` wrappers). */
function members(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of declaration(name, ts.isInterfaceDeclaration).members) {
    if (ts.isPropertySignature(m) && m.type) {
      out[(m.name as ts.Identifier).text] = m.type.getText(typesSource);
    }
  }
  return out;
}

/** The string literals of a union type alias. */
function unionLiterals(name: string): string[] {
  const alias = declaration(name, ts.isTypeAliasDeclaration);
  const types = ts.isUnionTypeNode(alias.type) ? alias.type.types : [alias.type];
  return types.map((t) => {
    if (!ts.isLiteralTypeNode(t) || !ts.isStringLiteral(t.literal)) {
      throw new Error(`${name} is not a union of string literals`);
    }
    return t.literal.text;
  });
}

/** The TypeScript type a schema node stands for, in the way types.ts writes it. */
function tsTypeOf(node: SchemaNode): string {
  switch (node.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'string':
    case 'boolean':
      return node.type;
    default:
      return 'object';
  }
}

/** types.ts interface → the schema node it describes. */
const INTERFACES: Array<[string, SchemaNode]> = [
  ['RoiDataSourceOptions', SETTINGS_SCHEMA],
  ['StoreSettings', setting('store')],
  ['Deployment', setting('deployments[]')],
  ['SlaSettings', setting('sla')],
  ['ScenarioDef', setting('scenarios[]')],
  ['SizingSettings', setting('sizing')],
  ['PrometheusSettings', setting('prometheus')],
  ['KubernetesSettings', setting('kubernetes')],
  ['KubernetesModelSettings', setting('kubernetes.models{}')],
  ['KubernetesResources', setting('kubernetes.resources')],
  ['RoiSecureJsonData', schemaDef('secureJsonData')],
];

describe('types.ts against settings.schema.json', () => {
  it.each(INTERFACES)('%s has exactly the properties of the schema, with their types', (name, node) => {
    const props = node.properties ?? {};
    const have = members(name);
    expect(Object.keys(have).sort()).toEqual(Object.keys(props).sort());
    for (const [key, prop] of Object.entries(props)) {
      const want = tsTypeOf(prop);
      if (want !== 'object') {
        // Scalars are written as their TS type or as a union alias of the schema's enum.
        const text = have[key];
        expect([want, ...(prop.enum ? ['MetricPrefix'] : [])]).toContain(text);
      }
    }
  });

  it('MetricPrefix is the schema enum of prometheus.metricPrefix', () => {
    expect(unionLiterals('MetricPrefix')).toEqual(setting('prometheus.metricPrefix').enum);
  });

  it('MetricName is the schema list of live metrics (pkg/live)', () => {
    const names = (schemaDef('liveMetric').oneOf ?? []).map((m) => m.const);
    expect(names.length).toBeGreaterThan(0);
    expect(unionLiterals('MetricName')).toEqual(names);
  });
});

describe('settingsSchema helpers', () => {
  it('finds settings by path and refuses unknown ones', () => {
    expect(setting('kubernetes.models{}.processor').maxLength).toBeGreaterThan(0);
    expect(setting('kubernetes.models{key}').pattern).toBeDefined();
    expect(setting('deployments[].gpus').type).toBe('integer');
    expect(() => setting('store.endpiont')).toThrow('settings.schema.json has no setting store.endpiont');
    expect(() => setting('deployments.gpus')).toThrow();
    expect(() => boundsOf('store.endpoint')).toThrow('has no minimum');
  });

  it('reads bounds, exclusive minimums and "0 means the default"', () => {
    expect(boundsOf('sizing.targetUtilization')).toEqual({
      min: 0,
      minExclusive: true,
      max: 1,
      zeroMeansDefault: true,
    });
    expect(boundsOf('scenarios[].promptTokens')).toEqual({
      min: 1,
      minExclusive: false,
      max: Number.MAX_SAFE_INTEGER,
      zeroMeansDefault: false,
    });
  });

  // The schema's patterns are run by Go's regexp in the backend's tests and by JavaScript here:
  // they must mean the same in both (no Go-only or JS-only syntax).
  it.each([
    ['kubernetes.namespace', 'bench', true],
    ['kubernetes.namespace', 'Bench', false],
    ['kubernetes.namespace', 'a'.repeat(64), false],
    ['kubernetes.cronJobName', 'nightly.bench', true],
    ['kubernetes.cronJobName', 'a'.repeat(53), false],
    ['store.bucket', 'guide.llm', true],
    ['store.bucket', 'ab', false],
    ['kubernetes.image', 'ghcr.io/x/guidellm:v0.7.3', true],
    ['kubernetes.image', 'has space', false],
    ['kubernetes.image', 'tab\tx', false],
    ['kubernetes.models{key}', 'org/Model_7B', true],
    ['kubernetes.models{key}', '-x', false],
    ['kubernetes.apiServer', 'https://api.example:6443', true],
    ['kubernetes.apiServer', 'https://u@api.example', false],
    ['kubernetes.caCert', '-----BEGIN CERTIFICATE-----\nMII', true],
    ['kubernetes.caCert', 'not a certificate', false],
    ['gpuPrices{key}', ' ', false],
  ])('%s: %j → %s', (settingPath, value, ok) => {
    expect(matchesSetting(settingPath, value)).toBe(ok);
  });
});
