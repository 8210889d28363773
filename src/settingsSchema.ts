import schemaJson from './settings.schema.json';

/**
 * One node of settings.schema.json, the JSON Schema of jsonData that `go generate ./pkg/models`
 * writes from the backend's wire types and the bounds, patterns and defaults its validation uses.
 * The editors and src/validation.ts read their limits, defaults, patterns and the live metric
 * names from it instead of restating them. `x-` keywords are the schema's own (see pkg/models/schema.go).
 */
export interface SchemaNode {
  type?: string;
  title?: string;
  description?: string;
  const?: unknown;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  writeOnly?: boolean;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  propertyNames?: SchemaNode;
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  'x-zeroMeansDefault'?: boolean;
  'x-uniqueBy'?: string;
  'x-ordered'?: string[][];
  'x-notAbove'?: string[][];
  'x-builtin'?: unknown;
  'x-checkedInCode'?: string;
  $defs?: Record<string, SchemaNode>;
}

export const SETTINGS_SCHEMA = schemaJson as unknown as SchemaNode;

/**
 * The node of a setting. Path: property names joined by ".", with "[]" for array items, "{}" for
 * map values and "{key}" for map keys (`deployments[].gpus`, `kubernetes.models{key}`). A path the
 * schema lacks throws, so a renamed setting fails when the module loads.
 */
export function setting(path: string): SchemaNode {
  let node: SchemaNode | undefined = SETTINGS_SCHEMA;
  for (const part of path.split('.')) {
    const m = /^(\w+)((?:\[\]|\{\}|\{key\})*)$/.exec(part);
    node = m ? node?.properties?.[m[1]] : undefined;
    for (const suffix of m?.[2].match(/\[\]|\{\}|\{key\}/g) ?? []) {
      node = suffix === '[]' ? node?.items : suffix === '{}' ? node?.additionalProperties : node?.propertyNames;
    }
    if (!node) {
      throw new Error(`settings.schema.json has no setting ${path}`);
    }
  }
  return node!;
}

/** A definition of the schema's $defs (secureJsonData, liveMetric). */
export function schemaDef(name: string): SchemaNode {
  const node = SETTINGS_SCHEMA.$defs?.[name];
  if (!node) {
    throw new Error(`settings.schema.json has no $defs.${name}`);
  }
  return node;
}

export interface Bounds {
  min: number;
  /** min itself is not allowed (exclusiveMinimum). */
  minExclusive: boolean;
  /** Number.MAX_SAFE_INTEGER when the schema sets none. */
  max: number;
  /** 0 stands for the default, like an absent value. */
  zeroMeansDefault: boolean;
}

/** The numeric bounds of a setting. */
export function boundsOf(path: string): Bounds {
  const s = setting(path);
  const minExclusive = s.exclusiveMinimum !== undefined;
  const min = s.minimum ?? s.exclusiveMinimum;
  if (min === undefined) {
    throw new Error(`settings.schema.json: ${path} has no minimum`);
  }
  return {
    min,
    minExclusive,
    max: s.maximum ?? Number.MAX_SAFE_INTEGER,
    zeroMeansDefault: Boolean(s['x-zeroMeansDefault']),
  };
}

/** The default of a setting of type string. */
export function stringDefault(path: string): string {
  const v = setting(path).default;
  if (typeof v !== 'string') {
    throw new Error(`settings.schema.json: ${path} has no string default`);
  }
  return v;
}

/** The default of a numeric setting. */
export function numberDefault(path: string): number {
  const v = setting(path).default;
  if (typeof v !== 'number') {
    throw new Error(`settings.schema.json: ${path} has no numeric default`);
  }
  return v;
}

/** The pattern of a string setting, as a RegExp (the schema's patterns are ECMA-262 compatible). */
export function patternOf(path: string): RegExp {
  const p = setting(path).pattern;
  if (p === undefined) {
    throw new Error(`settings.schema.json: ${path} has no pattern`);
  }
  return new RegExp(p);
}

/** The longest value of a string setting. */
export function maxLengthOf(path: string): number {
  const n = setting(path).maxLength;
  if (n === undefined) {
    throw new Error(`settings.schema.json: ${path} has no maxLength`);
  }
  return n;
}

/** Whether s is a valid value of the string setting at path (pattern and maxLength). */
export function matchesSetting(path: string, s: string): boolean {
  const node = setting(path);
  return (node.maxLength === undefined || s.length <= node.maxLength) && patternOf(path).test(s);
}
