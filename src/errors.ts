import { isFetchError } from '@grafana/runtime';

/**
 * What went wrong with a resource call, as a sentence to show at the control: the backend's
 * `{"error": ...}` message (which names the field or the missing role), else Grafana's own.
 */
export function errorMessage(err: unknown): string {
  if (isFetchError<{ error?: string; message?: string }>(err)) {
    return err.data?.error ?? err.data?.message ?? err.statusText ?? `HTTP ${err.status}`;
  }
  return err instanceof Error ? err.message : String(err);
}
