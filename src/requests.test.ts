import { buildProbeRequest, buildSweepRequest, ProbeForm, SweepForm } from './requests';

const defaults = { secondsPerStage: 60, maxStages: 10 };
const form = (patch: Partial<SweepForm>): SweepForm => ({
  model: 'mistral-3-int4',
  scenario: 'chat',
  profile: 'constant',
  load: '',
  sweepSize: '',
  secondsPerStage: '',
  ...patch,
});

describe('buildSweepRequest (mirrors pkg/sweeps/request.go checkLoad)', () => {
  it('builds a rate sweep; the data source default applies to the stage length', () => {
    expect(buildSweepRequest(form({ load: '1, 2,4 8' }), defaults)).toEqual({
      request: { model: 'mistral-3-int4', scenario: 'chat', profile: 'constant', rates: [1, 2, 4, 8] },
      errors: {},
      stages: 4,
      secondsPerStage: 60,
    });
    expect(
      buildSweepRequest(form({ profile: 'poisson', load: '0.5', secondsPerStage: '30' }), defaults).request
    ).toEqual({ model: 'mistral-3-int4', scenario: 'chat', profile: 'poisson', rates: [0.5], secondsPerStage: 30 });
  });

  it('builds a concurrency sweep from stream counts', () => {
    expect(buildSweepRequest(form({ profile: 'concurrent', load: '1,16,64' }), defaults).request).toEqual({
      model: 'mistral-3-int4',
      scenario: 'chat',
      profile: 'concurrent',
      streams: [1, 16, 64],
    });
  });

  it('builds a GuideLLM sweep, sending sweepSize only when typed', () => {
    expect(buildSweepRequest(form({ profile: 'sweep' }), defaults)).toMatchObject({
      request: { model: 'mistral-3-int4', scenario: 'chat', profile: 'sweep' },
      stages: 10,
    });
    expect(buildSweepRequest(form({ profile: 'sweep', sweepSize: '5' }), defaults).request?.sweepSize).toBe(5);
  });

  it.each([
    [{ load: '1, x' }, 'load', '"x" is not a rate in (0, 1000] requests per second'],
    [{ load: '0' }, 'load', '"0" is not a rate in (0, 1000] requests per second'],
    [{ load: '1001' }, 'load', '"1001" is not a rate in (0, 1000] requests per second'],
    [{ load: '2, 2' }, 'load', '2 is listed twice'],
    [{ load: '1,2,3,4,5,6,7,8,9,10,11' }, 'load', '11 stages; at most 10 are allowed (max stages of the data source)'],
    [{ profile: 'concurrent', load: '1.5' }, 'load', '"1.5": must be a whole number'],
    [{ profile: 'concurrent', load: '513' }, 'load', '"513": must be between 1 and 512'],
    [{ profile: 'sweep', sweepSize: '2' }, 'sweepSize', 'Must be between 3 and 10 (3 stages at least'],
    [{ load: '1', secondsPerStage: '5' }, 'secondsPerStage', 'Must be between 10 and 3600'],
    [{ load: '1', secondsPerStage: '60.5' }, 'secondsPerStage', 'Must be a whole number'],
  ] as Array<[Partial<SweepForm>, string, string]>)('marks %j', (patch, key, message) => {
    const built = buildSweepRequest(form(patch), defaults);
    expect(built.request).toBeUndefined();
    expect(built.errors[key as keyof typeof built.errors]).toMatch(
      new RegExp(`^${message.replace(/[()[\]*.+]/g, '\\$&')}`)
    );
  });

  it('refuses a sweep longer than a day', () => {
    const rates = Array.from({ length: 25 }, (_, i) => i + 1).join(',');
    const built = buildSweepRequest(form({ load: rates, secondsPerStage: '3600' }), { ...defaults, maxStages: 50 });
    expect(built.errors.secondsPerStage).toBe(
      '25 stages × 3600 s is longer than 86400 s; use fewer stages or shorter ones'
    );
  });

  it('is not ready, but not wrong, while model, scenario or stages are missing', () => {
    for (const patch of [{ model: '', load: '1' }, { scenario: '', load: '1' }, { load: ' ' }]) {
      const built = buildSweepRequest(form(patch), defaults);
      expect(built.request).toBeUndefined();
      expect(built.errors).toEqual({});
    }
  });

  it('follows the configured max stages', () => {
    expect(buildSweepRequest(form({ profile: 'sweep' }), { secondsPerStage: 60, maxStages: 4 }).stages).toBe(4);
    expect(buildSweepRequest(form({ load: '1 2 3 4 5' }), { secondsPerStage: 60, maxStages: 4 }).errors.load).toBe(
      '5 stages; at most 4 are allowed (max stages of the data source)'
    );
  });
});

describe('buildProbeRequest (mirrors pkg/probe/probe.go Validate)', () => {
  const probe = (patch: Partial<ProbeForm>): ProbeForm => ({
    modelA: 'mistral-3-int4',
    modelB: 'mistral-3-bf16',
    prompt: 'Hello',
    maxTokens: '',
    ...patch,
  });

  it('builds the request, with maxTokens only when typed', () => {
    expect(buildProbeRequest(probe({}))).toEqual({
      request: { models: ['mistral-3-int4', 'mistral-3-bf16'], prompt: 'Hello' },
      errors: {},
    });
    expect(buildProbeRequest(probe({ maxTokens: '64' })).request?.maxTokens).toBe(64);
  });

  it('marks the same model twice, names the endpoint template cannot address, and bad numbers', () => {
    expect(buildProbeRequest(probe({ modelB: 'mistral-3-int4' })).errors).toEqual({
      modelB: 'Pick a different model to compare with',
    });
    expect(buildProbeRequest(probe({ modelA: 'Org/Model', maxTokens: '4096' })).errors).toEqual({
      modelA: 'The probe reaches models through the endpoint template: a lowercase DNS label (a-z, 0-9, "-")',
      maxTokens: 'Must be between 1 and 2048',
    });
    expect(buildProbeRequest(probe({ prompt: 'é'.repeat(8193) })).errors).toEqual({ prompt: 'At most 16384 bytes' });
  });

  it('is not ready while a model or the prompt is missing', () => {
    expect(buildProbeRequest(probe({ modelB: '' }))).toEqual({ errors: {} });
    expect(buildProbeRequest(probe({ prompt: '  ' }))).toEqual({ errors: {} });
  });
});
