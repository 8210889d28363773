import type { SweepDefaults } from './datasource';
import { LaunchSweepRequest, PROBE_LIMITS, ProbeRequest, SWEEP_LIMITS, SweepProfile } from './types';
import { validDnsLabel } from './validation';

/**
 * The request bodies of POST /sweeps and POST /probe, built from what a user typed and checked
 * with the backend's rules (pkg/sweeps/request.go, pkg/probe/probe.go) so a mistake is marked at
 * its field before anything is sent. Empty fields are not errors: the request is simply not ready.
 */

/** The launch form as typed. */
export interface SweepForm {
  model: string;
  scenario: string;
  profile: SweepProfile;
  /** Rates (constant, poisson) or stream counts (concurrent), separated by commas or spaces. */
  load: string;
  /** Number of stages of the sweep profile; empty means min(10, max stages). */
  sweepSize: string;
  /** Empty means the data source's default. */
  secondsPerStage: string;
}

export type SweepFormErrors = Partial<Record<'load' | 'sweepSize' | 'secondsPerStage', string>>;

export interface BuiltSweep {
  /** Set when the form is complete and valid. */
  request?: LaunchSweepRequest;
  errors: SweepFormErrors;
  /** Stages and seconds per stage the sweep will have, when known. */
  stages?: number;
  secondsPerStage?: number;
}

/** Which load list a profile takes. */
export function loadKind(profile: SweepProfile): 'rates' | 'streams' | 'sweepSize' {
  switch (profile) {
    case 'constant':
    case 'poisson':
      return 'rates';
    case 'concurrent':
      return 'streams';
    case 'sweep':
      return 'sweepSize';
  }
}

export function buildSweepRequest(form: SweepForm, defaults: SweepDefaults): BuiltSweep {
  const errors: SweepFormErrors = {};
  const kind = loadKind(form.profile);
  let stages: number | undefined;
  const load: Pick<LaunchSweepRequest, 'rates' | 'streams' | 'sweepSize'> = {};

  if (kind === 'sweepSize') {
    const size = form.sweepSize.trim() === '' ? Math.min(10, defaults.maxStages) : Number(form.sweepSize);
    const problem = wholeNumberProblem(size, 3, defaults.maxStages);
    if (problem) {
      errors.sweepSize = `${problem} (3 stages at least: synchronous, throughput and one rate between)`;
    } else {
      stages = size;
      if (form.sweepSize.trim() !== '') {
        load.sweepSize = size;
      }
    }
  } else {
    const parsed = parseNumberList(form.load, kind);
    if (parsed.error) {
      errors.load = parsed.error;
    } else if (parsed.values.length > defaults.maxStages) {
      errors.load = `${parsed.values.length} stages; at most ${defaults.maxStages} are allowed (max stages of the data source)`;
    } else if (parsed.values.length > 0) {
      stages = parsed.values.length;
      load[kind] = parsed.values;
    }
  }

  let seconds: number | undefined = defaults.secondsPerStage;
  if (form.secondsPerStage.trim() !== '') {
    seconds = Number(form.secondsPerStage);
    const problem = wholeNumberProblem(seconds, SWEEP_LIMITS.minSecondsPerStage, SWEEP_LIMITS.maxSecondsPerStage);
    if (problem) {
      errors.secondsPerStage = problem;
      seconds = undefined;
    }
  }
  if (stages !== undefined && seconds !== undefined && stages * seconds > SWEEP_LIMITS.maxSweepSeconds) {
    errors.secondsPerStage = `${stages} stages × ${seconds} s is longer than ${SWEEP_LIMITS.maxSweepSeconds} s; use fewer stages or shorter ones`;
  }

  const complete = form.model !== '' && form.scenario !== '' && stages !== undefined;
  if (!complete || Object.keys(errors).length > 0) {
    return { errors, stages, secondsPerStage: seconds };
  }
  const request: LaunchSweepRequest = { model: form.model, scenario: form.scenario, profile: form.profile, ...load };
  if (form.secondsPerStage.trim() !== '') {
    request.secondsPerStage = seconds;
  }
  return { request, errors, stages, secondsPerStage: seconds };
}

/** Rates in (0, 1000] req/s or stream counts 1..512, each stage once. */
function parseNumberList(text: string, kind: 'rates' | 'streams'): { values: number[]; error?: string } {
  const values: number[] = [];
  for (const entry of text.split(/[\s,]+/).filter((e) => e !== '')) {
    const v = Number(entry);
    if (kind === 'rates' && !(Number.isFinite(v) && v > 0 && v <= SWEEP_LIMITS.maxRate)) {
      return { values, error: `"${entry}" is not a rate in (0, ${SWEEP_LIMITS.maxRate}] requests per second` };
    }
    if (kind === 'streams') {
      const problem = wholeNumberProblem(v, 1, SWEEP_LIMITS.maxStreams);
      if (problem) {
        return { values, error: `"${entry}": ${problem.toLowerCase()}` };
      }
    }
    if (values.includes(v)) {
      return { values, error: `${v} is listed twice` };
    }
    values.push(v);
  }
  return { values };
}

function wholeNumberProblem(v: number, min: number, max: number): string | undefined {
  if (!Number.isInteger(v)) {
    return 'Must be a whole number';
  }
  return v < min || v > max ? `Must be between ${min} and ${max}` : undefined;
}

/** The vibe-check form as typed. */
export interface ProbeForm {
  modelA: string;
  modelB: string;
  prompt: string;
  /** Empty means the backend default. */
  maxTokens: string;
}

export type ProbeFormErrors = Partial<Record<'modelA' | 'modelB' | 'prompt' | 'maxTokens', string>>;

export function buildProbeRequest(form: ProbeForm): { request?: ProbeRequest; errors: ProbeFormErrors } {
  const errors: ProbeFormErrors = {};
  for (const key of ['modelA', 'modelB'] as const) {
    if (form[key] !== '' && !validDnsLabel(form[key])) {
      errors[key] = 'The probe reaches models through the endpoint template: a lowercase DNS label (a-z, 0-9, "-")';
    }
  }
  if (!errors.modelB && form.modelB !== '' && form.modelB === form.modelA) {
    errors.modelB = 'Pick a different model to compare with';
  }
  if (new TextEncoder().encode(form.prompt).length > PROBE_LIMITS.maxPromptBytes) {
    errors.prompt = `At most ${PROBE_LIMITS.maxPromptBytes} bytes`;
  }
  let maxTokens: number | undefined;
  if (form.maxTokens.trim() !== '') {
    maxTokens = Number(form.maxTokens);
    const problem = wholeNumberProblem(maxTokens, 1, PROBE_LIMITS.maxOutputTokens);
    if (problem) {
      errors.maxTokens = problem;
    }
  }
  const complete = form.modelA !== '' && form.modelB !== '' && form.prompt.trim() !== '';
  if (!complete || Object.keys(errors).length > 0) {
    return { errors };
  }
  const request: ProbeRequest = { models: [form.modelA, form.modelB], prompt: form.prompt };
  if (maxTokens !== undefined) {
    request.maxTokens = maxTokens;
  }
  return { request, errors };
}
