import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, InlineField, Input, Stack, Text, TextArea, useStyles2 } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { errorMessage } from '../../errors';
import { buildProbeRequest, ProbeForm } from '../../requests';
import { PROBE_LIMITS, ProbeResult } from '../../types';
import { LABEL_WIDTH, NamePicker, useModelsLoader } from './pickers';

interface Props {
  /** Prefix of the input ids: unique per query row. */
  idPrefix: string;
  datasource: DataSource;
}

const EMPTY_FORM: ProbeForm = { modelA: '', modelB: '', prompt: '', maxTokens: '' };

/**
 * The measured "vibe check" (POST /probe): the same prompt streamed from two models at once, with
 * what each user would have seen side by side: time to first token, inter-token latency, tokens and
 * the answer.
 */
export function VibeCheck({ idPrefix, datasource }: Props) {
  const styles = useStyles2(getStyles);
  const [form, setForm] = useState<ProbeForm>(EMPTY_FORM);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string>();
  const [results, setResults] = useState<ProbeResult[]>();
  const loadModels = useModelsLoader(datasource);
  const built = buildProbeRequest(form);
  const set = (patch: Partial<ProbeForm>) => setForm({ ...form, ...patch });

  const run = async () => {
    if (!built.request) {
      return;
    }
    setRunning(true);
    setError(undefined);
    try {
      setResults(await datasource.probe(built.request));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setRunning(false);
    }
  };

  return (
    <Stack direction="column" gap={0}>
      {(['modelA', 'modelB'] as const).map((key, i) => (
        <NamePicker
          key={key}
          id={`${idPrefix}-probe-${key}`}
          label={i === 0 ? 'Model A' : 'Model B'}
          tooltip="Reached through the data source's endpoint template or model overrides"
          what="models"
          value={form[key]}
          placeholder="Pick or type a model"
          withVariables={false}
          load={loadModels}
          onChange={(model) => set({ [key]: model })}
          error={built.errors[key]}
        />
      ))}
      <InlineField
        label="Prompt"
        labelWidth={LABEL_WIDTH}
        grow
        invalid={Boolean(built.errors.prompt)}
        error={built.errors.prompt}
      >
        <TextArea
          id={`${idPrefix}-probe-prompt`}
          rows={3}
          value={form.prompt}
          placeholder="Explain KV cache paging in two sentences."
          onChange={(e) => set({ prompt: e.currentTarget.value })}
        />
      </InlineField>
      <InlineField
        label="Max tokens"
        labelWidth={LABEL_WIDTH}
        invalid={Boolean(built.errors.maxTokens)}
        error={built.errors.maxTokens}
      >
        <Input
          id={`${idPrefix}-probe-max-tokens`}
          width={20}
          value={form.maxTokens}
          placeholder={String(PROBE_LIMITS.defaultMaxTokens)}
          onChange={(e) => set({ maxTokens: e.currentTarget.value })}
        />
      </InlineField>
      <div>
        <Button icon="bolt" disabled={!built.request || running} onClick={run}>
          {running ? 'Running…' : 'Run vibe check'}
        </Button>
      </div>
      {error && (
        <Alert severity="error" title="The vibe check did not run">
          {error}
        </Alert>
      )}
      {results && (
        <div className={styles.results}>
          {results.map((r) => (
            <ProbeAnswer key={r.model} result={r} />
          ))}
        </div>
      )}
    </Stack>
  );
}

function ProbeAnswer({ result: r }: { result: ProbeResult }) {
  const styles = useStyles2(getStyles);
  // Without the server's usage the count is of streamed chunks, which can hold several tokens.
  const tokens = r.tokensSource === 'chunks' ? `≥ ${r.tokens} (counted chunks)` : String(r.tokens);
  return (
    <section className={styles.answer} aria-label={`Answer of ${r.model}`}>
      <Text element="h6">{r.model}</Text>
      <Text color="secondary" variant="bodySmall">
        {r.endpoint}
      </Text>
      {r.error && (
        <Alert severity="error" title={`${r.model} failed`}>
          {r.error}
        </Alert>
      )}
      <dl className={styles.stats}>
        <dt>TTFT</dt>
        <dd>{r.ttftMs.toFixed(0)} ms</dd>
        <dt>ITL</dt>
        <dd>{r.itlMs.toFixed(1)} ms</dd>
        <dt>Tokens</dt>
        <dd>{tokens}</dd>
        <dt>Total</dt>
        <dd>{r.totalMs.toFixed(0)} ms</dd>
      </dl>
      <pre className={styles.text}>{r.text}</pre>
      {r.truncated && <Text color="secondary">The text was cut; timings and tokens cover the whole answer.</Text>}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  results: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(280px, 1fr))',
    gap: theme.spacing(2),
    marginTop: theme.spacing(1),
  }),
  answer: css({
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  stats: css({
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    columnGap: theme.spacing(1),
    margin: theme.spacing(1, 0),
    dd: { margin: 0 },
  }),
  text: css({
    whiteSpace: 'pre-wrap',
    maxHeight: 320,
    overflow: 'auto',
    margin: 0,
  }),
});
