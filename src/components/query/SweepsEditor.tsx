import React from 'react';
import { ControlledCollapse, Stack, Text } from '@grafana/ui';

import { LaunchSweep } from './LaunchSweep';
import { EditorProps } from './pickers';
import { VibeCheck } from './VibeCheck';

/**
 * sweeps: the query has no options (one table row per sweep Job). The editor is where sweeps are
 * launched and followed, and where two models can be compared by hand.
 */
export function SweepsEditor({ query, datasource, onRunQuery }: EditorProps) {
  return (
    <Stack direction="column" gap={1}>
      <Text color="secondary" element="p">
        Lists the GuideLLM sweep Jobs of the data source&apos;s Job namespace, newest first: status, progress, failure
        reason and the stored report.
      </Text>
      <ControlledCollapse label="New sweep" isOpen>
        <LaunchSweep idPrefix={`sweep-${query.refId}`} datasource={datasource} onSweepsChanged={onRunQuery} />
      </ControlledCollapse>
      <ControlledCollapse label="Vibe check: one prompt, two models, side by side">
        <VibeCheck idPrefix={`sweep-${query.refId}`} datasource={datasource} />
      </ControlledCollapse>
    </Stack>
  );
}
