import React, { useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { isFetchError } from '@grafana/runtime';
import { Alert, Badge, BadgeColor, Button, ConfirmModal, Stack, Text, useStyles2 } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { errorMessage } from '../../errors';
import { Sweep, SweepStatus } from '../../types';

/** How often a pending or running sweep is read again. */
export const SWEEP_POLL_MS = 5000;

const STATUS_COLORS: Record<SweepStatus, BadgeColor> = {
  pending: 'blue',
  running: 'orange',
  succeeded: 'green',
  failed: 'red',
};

interface Props {
  datasource: DataSource;
  /** The sweep as POST /sweeps returned it. */
  initial: Sweep;
  /** False: a sweep of the same model and scenario was already active and is followed instead. */
  created: boolean;
  /** The sweeps changed (finished or cancelled): the panel's table is out of date. */
  onChanged: () => void;
}

/** Why a sweep is no longer followed although it had not finished. */
interface Ended {
  badge: string;
  message: string;
}

function isActive(status: SweepStatus): boolean {
  return status === 'pending' || status === 'running';
}

/**
 * One launched sweep: its status and progress, read again every few seconds while it is pending
 * or running (GET /sweeps/<name>), its failure reason and log tail, and a Cancel button.
 */
export function FollowedSweep({ datasource, initial, created, onChanged }: Props) {
  const styles = useStyles2(getStyles);
  const [sweep, setSweep] = useState(initial);
  const [ended, setEnded] = useState<Ended>();
  const [pollError, setPollError] = useState<string>();
  // Counts finished polls, so a failed poll schedules the next one as a successful one does.
  const [polls, setPolls] = useState(0);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string>();
  const active = isActive(sweep.status) && !ended;
  const name = sweep.name;

  // The panel's onRunQuery may be a new function on every render; the timer must not restart then.
  const onChangedRef = useRef(onChanged);
  useEffect(() => {
    onChangedRef.current = onChanged;
  }, [onChanged]);

  useEffect(() => {
    if (!active) {
      return;
    }
    let stopped = false;
    const timer = setTimeout(async () => {
      try {
        const next = await datasource.getSweep(name);
        if (stopped) {
          return;
        }
        setSweep(next);
        setPollError(undefined);
        if (!isActive(next.status)) {
          onChangedRef.current();
        }
      } catch (err) {
        if (stopped) {
          return;
        }
        if (isFetchError(err) && err.status === 404) {
          setEnded({ badge: 'gone', message: `Job ${name} no longer exists: deleted, or removed after its TTL.` });
        } else {
          setPollError(errorMessage(err));
        }
      }
      setPolls((n) => n + 1);
    }, SWEEP_POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [datasource, name, active, polls]);

  const cancel = async () => {
    setConfirmingCancel(false);
    setCancelling(true);
    setCancelError(undefined);
    try {
      await datasource.cancelSweep(name);
      setEnded({ badge: 'cancelled', message: `Cancelled: Job ${name} and its pod were deleted.` });
      onChangedRef.current();
    } catch (err) {
      setCancelError(errorMessage(err));
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section className={styles.sweep} aria-label={`Sweep ${name}`}>
      <Stack direction="column" gap={1}>
        {!created && (
          <Alert severity="info" title="Already running">
            A sweep of {sweep.model} with {sweep.scenario} is still active, so no second one was started. Following its
            Job instead.
          </Alert>
        )}
        <Stack direction="row" alignItems="center" gap={1}>
          <Text weight="medium">Job {name}</Text>
          {ended ? (
            <Badge text={ended.badge} color="darkgrey" />
          ) : (
            <Badge text={sweep.status} color={STATUS_COLORS[sweep.status]} />
          )}
          {active && (
            <Button
              variant="destructive"
              size="sm"
              icon="times"
              disabled={cancelling}
              onClick={() => setConfirmingCancel(true)}
            >
              Cancel sweep
            </Button>
          )}
        </Stack>
        {!ended && <SweepProgressLine sweep={sweep} />}
        {ended && <Text color="secondary">{ended.message}</Text>}
        {sweep.status === 'failed' && (
          <Alert severity="error" title="Sweep failed">
            {sweep.failureReason || 'The Job failed without a reason; see the log below.'}
          </Alert>
        )}
        {sweep.status === 'succeeded' && <IngestLine sweep={sweep} />}
        {pollError && (
          <Alert severity="warning" title="Could not refresh the status; trying again">
            {pollError}
          </Alert>
        )}
        {cancelError && (
          <Alert severity="error" title="The sweep was not cancelled">
            {cancelError}
          </Alert>
        )}
        {sweep.logTail && sweep.logTail.length > 0 && (
          <pre className={styles.log} aria-label="Log tail">
            {sweep.logTail.join('\n')}
          </pre>
        )}
      </Stack>
      <ConfirmModal
        isOpen={confirmingCancel}
        title="Cancel sweep"
        body={`Delete Job ${name} and its pod? GuideLLM stops at once and no report is stored.`}
        confirmText="Cancel sweep"
        dismissText="Keep running"
        onConfirm={cancel}
        onDismiss={() => setConfirmingCancel(false)}
      />
    </section>
  );
}

function SweepProgressLine({ sweep }: { sweep: Sweep }) {
  const { phase, stagesTotal, stagesDone, estimated, note } = sweep.progress;
  let text = `Phase: ${phase}`;
  if (stagesTotal > 0) {
    text += `, ${stagesDone}/${stagesTotal} stages${estimated ? ' (est.)' : ''}`;
  }
  if (note) {
    text += ` (${note})`;
  }
  return (
    <Stack direction="column" gap={0.5}>
      <Text color="secondary">{text}</Text>
      {stagesTotal > 0 && <progress aria-label="Sweep progress" value={stagesDone} max={stagesTotal} />}
    </Stack>
  );
}

function IngestLine({ sweep }: { sweep: Sweep }) {
  if (sweep.ingest === 'stored') {
    return <Text color="success">Report stored as {sweep.reportKey}</Text>;
  }
  if (sweep.ingestError) {
    return (
      <Alert severity="warning" title="The report could not be stored">
        {sweep.ingestError}
      </Alert>
    );
  }
  return (
    <Text color="secondary">
      Finished. The plugin stores the report in the results store within about a minute; the sweeps table shows it.
    </Text>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  sweep: css({
    marginTop: theme.spacing(1),
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  log: css({
    maxHeight: 240,
    overflow: 'auto',
    fontSize: theme.typography.bodySmall.fontSize,
    margin: 0,
  }),
});
