import React, { useState } from 'react';
import { Alert, Button, ConfirmModal, InlineField, Input, RadioButtonGroup, Stack, Text } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { errorMessage } from '../../errors';
import { buildSweepRequest, loadKind, SweepForm } from '../../requests';
import { LaunchSweepRequest, LaunchSweepResponse, SWEEP_LIMITS, SweepProfile } from '../../types';
import { FollowedSweep } from './FollowedSweep';
import { LABEL_WIDTH, NamePicker, useModelsLoader, useScenariosLoader } from './pickers';

const PROFILES: Array<{ label: string; value: SweepProfile; description: string }> = [
  { label: 'Constant', value: 'constant', description: 'Fixed request rates, evenly spaced arrivals' },
  { label: 'Poisson', value: 'poisson', description: 'Fixed mean request rates, Poisson arrivals' },
  { label: 'Concurrent', value: 'concurrent', description: 'Fixed numbers of concurrent streams' },
  {
    label: 'Sweep',
    value: 'sweep',
    description: 'GuideLLM picks the rates: synchronous, throughput, then evenly spaced between',
  },
];

const EMPTY_FORM: SweepForm = {
  model: '',
  scenario: '',
  profile: 'constant',
  load: '',
  sweepSize: '',
  secondsPerStage: '',
};

interface Props {
  /** Prefix of the input ids: unique per query row. */
  idPrefix: string;
  datasource: DataSource;
  /** A sweep started, finished or was cancelled: the panel's table is out of date. */
  onSweepsChanged: () => void;
}

/**
 * The "Launch sweep" control: model, scenario, profile and its stages, seconds per stage; a
 * confirmation, then POST /sweeps, then the Job is followed until it ends.
 */
export function LaunchSweep({ idPrefix, datasource, onSweepsChanged }: Props) {
  const [form, setForm] = useState<SweepForm>(EMPTY_FORM);
  const [confirming, setConfirming] = useState(false);
  const [launching, setLaunching] = useState(false);
  const [launchError, setLaunchError] = useState<string>();
  const [launched, setLaunched] = useState<LaunchSweepResponse>();
  const loadModels = useModelsLoader(datasource);
  const loadScenarios = useScenariosLoader(datasource);
  const defaults = datasource.sweepDefaults;
  const built = buildSweepRequest(form, defaults);
  const kind = loadKind(form.profile);
  const set = (patch: Partial<SweepForm>) => setForm({ ...form, ...patch });

  const launch = async () => {
    if (!built.request) {
      return;
    }
    setConfirming(false);
    setLaunching(true);
    setLaunchError(undefined);
    try {
      setLaunched(await datasource.launchSweep(built.request));
      onSweepsChanged();
    } catch (err) {
      setLaunchError(errorMessage(err));
    } finally {
      setLaunching(false);
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <NamePicker
        id={`${idPrefix}-model`}
        label="Model"
        tooltip="The served model to benchmark: its endpoint comes from the data source's endpoint template or model overrides"
        what="models"
        value={form.model}
        placeholder="Pick or type a model"
        withVariables={false}
        load={loadModels}
        onChange={(model) => set({ model })}
      />
      <NamePicker
        id={`${idPrefix}-scenario`}
        label="Scenario"
        tooltip="The prompt/output token shape, e.g. chat (64/64)"
        what="scenarios"
        value={form.scenario}
        placeholder="Pick a scenario"
        withVariables={false}
        load={loadScenarios}
        onChange={(scenario) => set({ scenario })}
      />
      <InlineField label="Profile" labelWidth={LABEL_WIDTH}>
        <RadioButtonGroup
          id={`${idPrefix}-profile`}
          options={PROFILES}
          value={form.profile}
          onChange={(profile) => set({ profile })}
        />
      </InlineField>
      {kind === 'sweepSize' ? (
        <InlineField
          label="Stages"
          labelWidth={LABEL_WIDTH}
          tooltip={`Number of stages, 3 to ${defaults.maxStages}`}
          invalid={Boolean(built.errors.sweepSize)}
          error={built.errors.sweepSize}
        >
          <Input
            id={`${idPrefix}-sweep-size`}
            width={20}
            value={form.sweepSize}
            placeholder={String(Math.min(10, defaults.maxStages))}
            onChange={(e) => set({ sweepSize: e.currentTarget.value })}
          />
        </InlineField>
      ) : (
        <InlineField
          label={kind === 'rates' ? 'Rates (req/s)' : 'Streams'}
          labelWidth={LABEL_WIDTH}
          tooltip={
            kind === 'rates'
              ? 'Requests per second, one stage each, separated by commas'
              : 'Concurrent requests, one stage each, separated by commas'
          }
          invalid={Boolean(built.errors.load)}
          error={built.errors.load}
        >
          <Input
            id={`${idPrefix}-load`}
            width={40}
            value={form.load}
            placeholder={kind === 'rates' ? '1, 2, 4, 8' : '1, 4, 16, 64'}
            onChange={(e) => set({ load: e.currentTarget.value })}
          />
        </InlineField>
      )}
      <InlineField
        label="Stage length (s)"
        labelWidth={LABEL_WIDTH}
        tooltip={`Seconds each stage lasts, ${SWEEP_LIMITS.minSecondsPerStage} to ${SWEEP_LIMITS.maxSecondsPerStage}; empty means the data source's ${defaults.secondsPerStage} s`}
        invalid={Boolean(built.errors.secondsPerStage)}
        error={built.errors.secondsPerStage}
      >
        <Input
          id={`${idPrefix}-seconds`}
          width={20}
          value={form.secondsPerStage}
          placeholder={String(defaults.secondsPerStage)}
          onChange={(e) => set({ secondsPerStage: e.currentTarget.value })}
        />
      </InlineField>
      <Stack direction="row" alignItems="center" gap={2}>
        <Button icon="play" disabled={!built.request || launching} onClick={() => setConfirming(true)}>
          {launching ? 'Launching…' : 'Launch sweep'}
        </Button>
        {built.stages !== undefined && built.secondsPerStage !== undefined && (
          <Text color="secondary">{durationText(built.stages, built.secondsPerStage)}</Text>
        )}
      </Stack>
      {launchError && (
        <Alert severity="error" title="The sweep was not launched">
          {launchError}
        </Alert>
      )}
      {launched && (
        <FollowedSweep
          key={launched.sweep.name}
          datasource={datasource}
          initial={launched.sweep}
          created={launched.created}
          onChanged={onSweepsChanged}
        />
      )}
      {built.request && (
        <ConfirmModal
          isOpen={confirming}
          title="Launch sweep"
          body={confirmText(built.request, built.stages!, built.secondsPerStage!)}
          confirmText="Launch"
          confirmVariant="primary"
          onConfirm={launch}
          onDismiss={() => setConfirming(false)}
        />
      )}
    </Stack>
  );
}

function durationText(stages: number, secondsPerStage: number): string {
  const minutes = Math.ceil((stages * secondsPerStage) / 60);
  return `${stages} stages × ${secondsPerStage} s: about ${minutes} min of load, plus GuideLLM's setup`;
}

function confirmText(request: LaunchSweepRequest, stages: number, secondsPerStage: number): string {
  const load = request.rates
    ? `${request.rates.join(', ')} req/s`
    : request.streams
      ? `${request.streams.join(', ')} concurrent streams`
      : 'rates GuideLLM picks itself';
  return (
    `Start GuideLLM against ${request.model} with the ${request.scenario} scenario, ${request.profile} profile at ` +
    `${load}: ${durationText(stages, secondsPerStage)}. The model serves this load on top of its real traffic.`
  );
}
