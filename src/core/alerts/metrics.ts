import type { AlertLevel } from '../../ports/alert-state.js';

/**
 * What the health check watches. The names are the `metric` MessageAttribute subscribers filter on,
 * the keys of `thresholds` in the configuration, and part of the alert-state key: renaming one
 * breaks filter policies and orphans stored alert states, so they are fixed.
 */
export const NUMERIC_METRICS = [
  'slotLag',
  'retainedWal',
  'walDiskBytes',
  'walDiskPercent',
  'inactiveTime',
  'xminAge',
  'cdcLatencySource',
  'cdcLatencyTarget',
  'safeWalForecast',
  'walDiskForecast',
  'idleTimeoutLeft',
] as const;
export type NumericMetric = (typeof NUMERIC_METRICS)[number];

export type MetricName = NumericMetric | 'safeWal' | 'walStatus' | 'slotMissing' | 'sourceCheck';

/** Metrics where less is worse (room or time left): a level is entered at or below its threshold. */
export const LOWER_IS_WORSE: ReadonlySet<MetricName> = new Set([
  'safeWal',
  'safeWalForecast',
  'walDiskForecast',
  'idleTimeoutLeft',
]);

export type MetricUnit = 'bytes' | 'percent' | 'seconds' | 'transactions' | 'status';

/** What the metric is about: one slot, the whole source (server), or one DMS task reading it. */
export type MetricScope = 'slot' | 'source' | 'task';

export interface MetricInfo {
  readonly scope: MetricScope;
  readonly unit: MetricUnit;
  /** For subjects and tables: `retained WAL 21.3 GiB >= 20 GiB`. */
  readonly label: string;
  readonly cause: string;
  readonly remedy: string;
}

const RESUME_NOT_RESTART =
  'resume the DMS task with resume-processing (or run `dms-cdc recover`) and never restart it: a restart ' +
  'recreates the slot and drops everything it still holds';

export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  slotLag: {
    scope: 'slot',
    unit: 'bytes',
    label: 'lag',
    cause:
      'the consumer (the DMS task) confirms changes more slowly than the source writes them: the task is ' +
      'stopped or failed, the replication instance is saturated, or the target applies slowly',
    remedy:
      `check the DMS task status and its CDCLatencySource/CDCLatencyTarget; if it stopped, ${RESUME_NOT_RESTART}; ` +
      'if it runs but falls behind, size up the replication instance or tune the target apply',
  },
  retainedWal: {
    scope: 'slot',
    unit: 'bytes',
    label: 'retained WAL',
    cause:
      'restart_lsn does not move: the DMS task is not reading the slot, a long-running or large (over 4 MB, ' +
      'spilled to disk) transaction pins it, or the database is idle and only other databases write WAL',
    remedy:
      `make the DMS task read the slot again: ${RESUME_NOT_RESTART}; on an idle database enable HeartbeatEnable ` +
      'on the source endpoint; end transactions that stay open for hours; cap the damage with ' +
      'max_slot_wal_keep_size; drop the slot (`dms-cdc slot cleanup --drop-slot`) only if nothing will read it again',
  },
  walDiskBytes: {
    scope: 'source',
    unit: 'bytes',
    label: 'WAL on disk',
    cause:
      'WAL is kept faster than it is recycled: replication slots retain it (see the slot alerts), ' +
      'archive_command fails, or wal_keep_size / max_wal_size are large',
    remedy:
      'look at retained WAL per slot first and make lagging consumers catch up; check pg_stat_archiver for ' +
      'failing archiving; grow the volume before it fills, PostgreSQL stops when pg_wal is full',
  },
  walDiskPercent: {
    scope: 'source',
    unit: 'percent',
    label: 'WAL disk use',
    cause: 'WAL takes a growing share of the space it can grow into (see WAL on disk)',
    remedy:
      'free or add space before the disk fills: make lagging slots catch up or drop abandoned ones, fix ' +
      'archiving, or increase the allocated storage (RDS storage autoscaling)',
  },
  inactiveTime: {
    scope: 'slot',
    unit: 'seconds',
    label: 'inactive',
    cause:
      'no walsender reads the slot: the DMS task is stopped, failed, or cannot connect, so WAL accumulates',
    remedy: `check the DMS task; if it stopped or failed, ${RESUME_NOT_RESTART}`,
  },
  walStatus: {
    scope: 'slot',
    unit: 'status',
    label: 'wal_status',
    cause:
      'the slot needs WAL beyond max_slot_wal_keep_size (unreserved: the next checkpoint may remove it) or ' +
      'the WAL it needs is already gone (lost: the slot can never stream again)',
    remedy:
      'unreserved: make the consumer catch up now or raise max_slot_wal_keep_size; lost: the changes between ' +
      "the slot's confirmed_flush_lsn and now are not recoverable from it, recreate the slot and reload the " +
      'target (`dms-cdc recover` reports the LSN range at risk)',
  },
  safeWal: {
    scope: 'slot',
    unit: 'bytes',
    label: 'safe WAL',
    cause:
      'the slot holds WAL up to max_slot_wal_keep_size: once more than safe_wal_size is written without the ' +
      'consumer advancing restart_lsn, the next checkpoint invalidates the slot and the changes it held are lost',
    remedy:
      `make the consumer read the slot now: ${RESUME_NOT_RESTART}; if it cannot catch up in time, raise ` +
      'max_slot_wal_keep_size (a reload, no restart) while the disk has room',
  },
  safeWalForecast: {
    scope: 'slot',
    unit: 'seconds',
    label: 'safe WAL gone in',
    cause:
      'at the rate WAL is written while the slot does not advance, safe_wal_size reaches zero soon, and the ' +
      'checkpoint after that invalidates the slot (max_slot_wal_keep_size)',
    remedy:
      `make the consumer read the slot before then: ${RESUME_NOT_RESTART}; or raise max_slot_wal_keep_size ` +
      '(a reload) if the disk has room; or slow the writes that produce the WAL (bulk loads, VACUUM FULL)',
  },
  walDiskForecast: {
    scope: 'source',
    unit: 'seconds',
    label: 'WAL disk full in',
    cause:
      'the space WAL can grow into shrinks at the measured rate: slots retain WAL, archiving fails, or a bulk ' +
      'write is running; PostgreSQL stops when pg_wal cannot grow',
    remedy:
      'make lagging slots catch up or drop abandoned ones, fix archiving, or add storage now (RDS: modify ' +
      'the allocated storage or enable storage autoscaling); cap slots with max_slot_wal_keep_size',
  },
  idleTimeoutLeft: {
    scope: 'slot',
    unit: 'seconds',
    label: 'idle timeout in',
    cause:
      'the slot is inactive and idle_replication_slot_timeout (PostgreSQL 18) invalidates it at the first ' +
      'checkpoint after the timeout; the changes it held are then lost',
    remedy:
      `make the consumer connect to the slot before then: ${RESUME_NOT_RESTART}; or raise ` +
      'idle_replication_slot_timeout (a reload) while it is brought back',
  },
  xminAge: {
    scope: 'slot',
    unit: 'transactions',
    label: 'xmin age',
    cause:
      "the slot's xmin or catalog_xmin holds back VACUUM: dead rows (and catalog rows) pile up and the " +
      'transaction ID wraparound horizon approaches',
    remedy:
      'make the consumer advance the slot; if the slot is abandoned, drop it, since nothing else lets VACUUM ' +
      'freeze past it; watch age(datfrozenxid)',
  },
  cdcLatencySource: {
    scope: 'task',
    unit: 'seconds',
    label: 'CDCLatencySource',
    cause:
      'DMS reads the source slowly: a large transaction or LOB-heavy changes, a busy source, or a saturated ' +
      'replication instance',
    remedy:
      'check the task log and the replication instance CPU and memory; split hot tables into their own task; ' +
      'size up the instance',
  },
  cdcLatencyTarget: {
    scope: 'task',
    unit: 'seconds',
    label: 'CDCLatencyTarget',
    cause:
      'DMS applies changes to the target slowly: target locks or load, missing primary keys, or row-by-row apply',
    remedy:
      'check the target for blocking sessions and indexes; consider BatchApplyEnabled; size up the target or ' +
      'the replication instance',
  },
  slotMissing: {
    scope: 'slot',
    unit: 'status',
    label: 'slot missing',
    cause:
      'the configured slot is not on the server: dropped, or lost in a failover (a standby promoted without ' +
      'failover-slot sync), so the DMS task cannot resume from it',
    remedy:
      'do not restart the task; run `dms-cdc recover` to name the LSN range at risk, recreate the slot and ' +
      'reload the target (or remove the slot from the configuration if it was retired on purpose)',
  },
  sourceCheck: {
    scope: 'source',
    unit: 'status',
    label: 'health check',
    cause:
      'the source could not be checked: it is down or unreachable (network, security group, TLS), the ' +
      'credentials are wrong, or its secret cannot be read',
    remedy:
      'check that the server is up and reachable from the function subnets, the secret and its KMS key, and ' +
      'pg_hba.conf; while it cannot be checked, no other alert about it can fire',
  },
};

export const LEVEL_RANK: Readonly<Record<AlertLevel, number>> = { OK: 0, WARNING: 1, CRITICAL: 2 };

export function worstLevel(levels: Iterable<AlertLevel>): AlertLevel {
  let worst: AlertLevel = 'OK';
  for (const level of levels) if (LEVEL_RANK[level] > LEVEL_RANK[worst]) worst = level;
  return worst;
}
