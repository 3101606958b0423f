import type { ServerFacts, SettingFact } from './facts.js';

/** Where the source runs: it decides how a setting is changed and which roles grant what. */
export type Platform = 'self-managed' | 'rds' | 'aurora';

/**
 * Aurora PostgreSQL is the only flavour with an aurora_version() function; RDS and Aurora both add
 * the rds.* settings (rds.extensions); a self-managed server has neither.
 */
export function detectPlatform(server: ServerFacts): Platform {
  if (server.auroraVersion !== null) return 'aurora';
  if (server.rdsSettings) return 'rds';
  return 'self-managed';
}

/** 170002 -> 17, 90624 -> 9.6 (before 10 the major version had two parts). */
export function majorVersion(versionNum: number): number {
  if (versionNum >= 100_000) return Math.floor(versionNum / 10_000);
  return Math.floor(versionNum / 10_000) + (Math.floor(versionNum / 100) % 100) / 10;
}

export function setting(server: ServerFacts, name: string): SettingFact | undefined {
  return server.settings[name];
}

export function intSetting(server: ServerFacts, name: string): number | undefined {
  const fact = setting(server, name);
  if (!fact) return undefined;
  const value = Number(fact.value);
  return Number.isFinite(value) ? value : undefined;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1024,
  '8kB': 8 * 1024,
  MB: 1024 ** 2,
  '16MB': 16 * 1024 ** 2,
  GB: 1024 ** 3,
};
const MS_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A memory setting in bytes, or undefined when absent; -1 and other sentinels are returned as is. */
export function bytesSetting(server: ServerFacts, name: string): number | undefined {
  return scaled(server, name, BYTE_UNITS);
}

/** A time setting in milliseconds, or undefined when absent. */
export function msSetting(server: ServerFacts, name: string): number | undefined {
  return scaled(server, name, MS_UNITS);
}

function scaled(
  server: ServerFacts,
  name: string,
  units: Readonly<Record<string, number>>,
): number | undefined {
  const fact = setting(server, name);
  const value = intSetting(server, name);
  if (!fact || value === undefined) return undefined;
  if (value < 0) return value;
  return value * (units[fact.unit ?? ''] ?? 1);
}

/** "64MB" style display of what the server reports, e.g. `wal_sender_timeout = 60000ms`. */
export function showSetting(server: ServerFacts, name: string): string {
  const fact = setting(server, name);
  if (!fact) return `${name} is not available on this server`;
  return `${name} = ${fact.value}${fact.unit ?? ''}${fact.pendingRestart ? ' (a new value waits for a restart)' : ''}`;
}

/** How to change a server parameter on this platform. */
export function changeParameter(platform: Platform, assignment: string, needsRestart: boolean): string {
  switch (platform) {
    case 'rds':
      return `Set ${assignment} in the DB instance's custom DB parameter group${needsRestart ? ', then reboot the instance' : ''}`;
    case 'aurora':
      return `Set ${assignment} in the DB cluster parameter group${needsRestart ? ', then reboot the writer instance' : ''}`;
    case 'self-managed':
      return `ALTER SYSTEM SET ${assignment.replace(/ = (.*)$/, " = '$1'")}; then ${
        needsRestart ? 'restart PostgreSQL' : 'SELECT pg_reload_conf();'
      }`;
  }
}

/**
 * How to set a list parameter such as shared_preload_libraries. ALTER SYSTEM needs one quoted
 * literal per element: 'a,b' as a single literal is one element named "a,b", which a list of
 * libraries cannot load (the server then refuses to start). Parameter groups take "a,b".
 */
export function changeListParameter(
  platform: Platform,
  name: string,
  values: readonly string[],
  needsRestart: boolean,
): string {
  if (platform !== 'self-managed')
    return changeParameter(platform, `${name} = ${values.join(',')}`, needsRestart);
  const literals = values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
  return `ALTER SYSTEM SET ${name} = ${literals}; then ${needsRestart ? 'restart PostgreSQL' : 'SELECT pg_reload_conf();'}`;
}
