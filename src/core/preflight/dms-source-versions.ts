/**
 * Which DMS replication engine reads which PostgreSQL major as a source: the data behind
 * `server.version-supported`, kept here alone so a new DMS release is a one-line change.
 *
 * Source: AWS DMS User Guide, "Using a PostgreSQL database as an AWS DMS source", table
 * "PostgreSQL source version / AWS DMS version to use"
 * (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Source.PostgreSQL.html), read 2026-12-06:
 *   9.x, 10.x, 11.x, 12.x  any available AWS DMS version
 *   13.x  3.4.3 and above      14.x  3.4.7 and above      15.x  3.5.1 and above
 *   16.x  3.5.3 and above      17.x  3.6.1 and above
 * PostgreSQL 18 is not in the table: no DMS engine reads it as a source yet.
 *
 * The orchestrator's own floor is PostgreSQL 12: strict verification copies the slot with
 * pg_copy_logical_replication_slot (12+), and 11 and older are out of community support, so it
 * refuses them even though the table lists them for DMS itself.
 */
export const DMS_POSTGRESQL_SOURCES = {
  source: 'https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Source.PostgreSQL.html',
  read: '2026-12-06',
  /** The lowest major the orchestrator accepts (its own floor, above DMS's 9.4). */
  lowestMajor: 12,
  /** Major -> the lowest DMS engine version that reads it; null: any available engine. */
  minimumEngine: {
    12: null,
    13: '3.4.3',
    14: '3.4.7',
    15: '3.5.1',
    16: '3.5.3',
    17: '3.6.1',
  } as Readonly<Record<number, string | null>>,
  /** The newest engine the table names: what a check assumes when no engine version is known. */
  newestEngine: '3.6.1',
} as const;

/** Compares DMS engine versions numerically, part by part ("3.5.10" > "3.5.3"; "3.5.3" == "3.5.3.0"). */
export function compareEngineVersions(a: string, b: string): number {
  const parts = (v: string) => (v.match(/^\d+(?:\.\d+)*/)?.[0] ?? '').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** A DMS engine version as the API and the CLI write it: 3.5.3, 3.6.1, ... */
export const ENGINE_VERSION = /^\d+\.\d+(?:\.\d+){0,2}$/;
