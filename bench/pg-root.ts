import { rmSync } from 'node:fs';

/**
 * What the test suite gets: servers copied from a per-run initdb template, in a root of this bench's
 * own on /dev/shm (unless DMS_CDC_PG_ROOT names one). Call it before src/local/postgres is imported.
 */
export function useBenchPgRoot(bench: string): void {
  process.env.DMS_CDC_PG_TEMPLATES = '1';
  process.env.DMS_CDC_PG_ROOT ??= `/dev/shm/dms-cdc-pg-bench-${bench}-${process.pid}`;
}

/** Removes the bench's root, with every server still in it. */
export function removeBenchPgRoot(): void {
  rmSync(process.env.DMS_CDC_PG_ROOT as string, { recursive: true, force: true });
}
