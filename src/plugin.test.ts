import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fs from 'fs';
import path from 'path';

const root = path.resolve(__dirname, '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

describe('plugin.json', () => {
  const plugin = readJson('plugin.json');

  // The schema's patterns use escapes that are not valid with the `u` flag.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(readJson('tests/fixtures/plugin.schema.json'));

  it('is valid against the plugin validator schema', () => {
    const valid = validate(plugin);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each([
    ['an id outside the naming pattern', { id: 'Inference_ROI' }],
    ['an unknown top-level key', { executables: 'gpx_inferenceroi' }],
    ['no keywords', { info: { ...plugin.info, keywords: undefined } }],
  ])('is refused by the same schema with %s', (_, patch) => {
    expect(validate(JSON.parse(JSON.stringify({ ...plugin, ...patch })))).toBe(false);
  });

  it('declares the backend data source the Go binary and webpack build expect', () => {
    const pkg = readJson('package.json');
    expect(plugin).toMatchObject({
      type: 'datasource',
      id: 'inferenceroi-vllm-datasource',
      name: 'Inference ROI',
      executable: 'gpx_inferenceroi',
      backend: true,
      alerting: true,
      annotations: true,
      metrics: true,
      info: { version: '%VERSION%', updated: '%TODAY%' },
    });
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('is what src/plugin.json points at, so webpack and mage read the top-level file', () => {
    expect(fs.realpathSync(path.join(root, 'src', 'plugin.json'))).toBe(
      fs.realpathSync(path.join(root, 'plugin.json'))
    );
  });

  it('names files that exist: logos and included resources', () => {
    const files: string[] = [plugin.info.logos.small, plugin.info.logos.large];
    for (const include of plugin.includes ?? []) {
      if (include.path) {
        files.push(include.path);
      }
    }
    for (const file of files) {
      expect(fs.existsSync(path.join(root, 'src', file))).toBe(true);
    }
  });
});
