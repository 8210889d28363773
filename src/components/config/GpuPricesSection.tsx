import React, { useState } from 'react';
import { Button, Field, FieldSet, IconButton, Input, Stack, Text } from '@grafana/ui';

import { parseOptionalNumber } from '../../numbers';
import { GpuPriceRow, validateGpuPriceRows } from '../../validation';

interface Props {
  gpuPrices: Record<string, number>;
  onChange: (gpuPrices: Record<string, number>) => void;
}

/**
 * GPU prices (jsonData.gpuPrices: GPU type → USD per GPU-hour). The rows live in local state so a
 * row whose type is still empty or repeated can be edited; the map holds the complete rows.
 */
export function GpuPricesSection({ gpuPrices, onChange }: Props) {
  const [rows, setRows] = useState<GpuPriceRow[]>(() =>
    Object.entries(gpuPrices).map(([type, price]) => ({ type, price }))
  );
  const errors = validateGpuPriceRows(rows);

  const commit = (next: GpuPriceRow[]) => {
    setRows(next);
    const prices: Record<string, number> = {};
    for (const row of next) {
      const type = row.type.trim();
      if (type !== '' && row.price !== undefined && !(type in prices)) {
        prices[type] = row.price;
      }
    }
    onChange(prices);
  };
  const update = (i: number, patch: Partial<GpuPriceRow>) =>
    commit(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const fieldError = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });

  return (
    <FieldSet label="GPU prices">
      <Text color="secondary" element="p">
        USD per GPU-hour for each GPU type of the deployments catalog; used for cost per token and ROI.
      </Text>
      {rows.map((row, i) => (
        <Stack key={i} direction="row" alignItems="flex-start" gap={1}>
          <Field label={i === 0 ? 'GPU type' : undefined} {...fieldError(`gpuPrices.${i}.type`)}>
            <Input
              aria-label={`GPU price ${i + 1} type`}
              width={20}
              value={row.type}
              placeholder="L40S"
              onChange={(e) => update(i, { type: e.currentTarget.value })}
            />
          </Field>
          <Field label={i === 0 ? 'USD per GPU-hour' : undefined} {...fieldError(`gpuPrices.${i}.price`)}>
            <Input
              aria-label={`GPU price ${i + 1} USD per hour`}
              type="number"
              step="0.01"
              width={16}
              value={row.price ?? ''}
              onChange={(e) => update(i, { price: parseOptionalNumber(e.currentTarget.value) })}
            />
          </Field>
          <IconButton
            name="trash-alt"
            tooltip={`Remove GPU price ${i + 1}`}
            onClick={() => commit(rows.filter((_, j) => j !== i))}
          />
        </Stack>
      ))}
      <Button variant="secondary" icon="plus" onClick={() => setRows([...rows, { type: '' }])}>
        Add GPU price
      </Button>
    </FieldSet>
  );
}
