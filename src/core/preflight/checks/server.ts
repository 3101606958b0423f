import type { PreflightCheck } from '../context.js';
import { compareEngineVersions, DMS_POSTGRESQL_SOURCES } from '../dms-source-versions.js';
import {
  bytesSetting,
  changeParameter,
  intSetting,
  majorVersion,
  msSetting,
  setting,
  showSetting,
} from '../platform.js';
import { REF } from '../references.js';

const versionSupported: PreflightCheck = {
  id: 'server.version-supported',
  reference: REF.versions,
  evaluate({ facts, platform, dmsEngine }) {
    const { versionNum, version } = facts.server;
    const major = majorVersion(versionNum);
    const table = DMS_POSTGRESQL_SOURCES;
    const observed = `PostgreSQL ${version} (${platform}${facts.server.auroraVersion ? `, Aurora ${facts.server.auroraVersion}` : ''})`;
    const engine = dmsEngine ?? { version: table.newestEngine, from: 'newest-listed' as const };
    const engineSaid = describeEngine(engine);
    const listed = Object.keys(table.minimumEngine).map(Number);
    const newestMajor = Math.max(...listed);
    if (major < table.lowestMajor) {
      return [
        {
          severity: 'blocker',
          title: `PostgreSQL ${major} is below the ${table.lowestMajor} this orchestrator needs`,
          observed,
          expected: `PostgreSQL ${table.lowestMajor} to ${newestMajor}`,
          remedy: `Upgrade the source to PostgreSQL ${table.lowestMajor} or later (${newestMajor} is read by DMS ${table.minimumEngine[newestMajor]} and later)`,
        },
      ];
    }
    if (!(major in table.minimumEngine)) {
      return [
        {
          severity: 'blocker',
          title: `No DMS engine reads PostgreSQL ${major} as a source yet`,
          observed: `${observed}; ${engineSaid}`,
          expected: `PostgreSQL ${table.lowestMajor} to ${newestMajor} (the newest DMS engine listed, ${table.newestEngine}, reads up to ${newestMajor})`,
          remedy: `Replicate from PostgreSQL ${newestMajor} or earlier, or wait until DMS lists PostgreSQL ${major} as a source (${table.source})`,
        },
      ];
    }
    const needed = table.minimumEngine[major] ?? null;
    if (needed !== null && compareEngineVersions(engine.version, needed) < 0) {
      return [
        {
          severity: 'blocker',
          title: `PostgreSQL ${major} needs DMS engine ${needed} or later; ${engineSaid}`,
          observed: `${observed}; DMS engine ${engine.version}`,
          expected: `a replication instance running DMS ${needed} or later`,
          remedy: `Upgrade the replication instance to EngineVersion ${needed} or later (aws dms modify-replication-instance --engine-version ${needed} --allow-major-version-upgrade), or run the task on one that has it`,
        },
      ];
    }
    if (engine.from !== 'newest-listed') return [];
    return [
      {
        severity: 'info',
        title: `PostgreSQL ${major} needs DMS engine ${needed ?? 'any'}${needed ? ' or later' : ''}; no engine version was given, so this assumes the newest listed (${table.newestEngine})`,
        observed,
        expected: `a replication instance running DMS ${needed ?? 'any version'}${needed ? ' or later' : ''}`,
        remedy: `Name the replication instance (AWS) or pass --dms-version (CLI) to check its engine; create it with EngineVersion ${needed ?? table.newestEngine} or later`,
      },
    ];
  },
};

function describeEngine(engine: { version: string; from: string }): string {
  if (engine.from === 'replication-instance') return `the replication instance runs DMS ${engine.version}`;
  if (engine.from === 'option') return `--dms-version ${engine.version}`;
  return `no engine version given: judged against the newest listed, DMS ${engine.version}`;
}

const walLevel: PreflightCheck = {
  id: 'server.wal-level',
  reference: REF.selfManagedCdc,
  evaluate({ facts, platform }) {
    const { server } = facts;
    if (setting(server, 'wal_level')?.value === 'logical') return [];
    if (platform === 'self-managed') {
      const pending = setting(server, 'wal_level')?.pendingRestart;
      return [
        {
          severity: 'blocker',
          title: 'Logical decoding is off',
          observed: showSetting(server, 'wal_level'),
          expected: 'wal_level = logical',
          remedy: pending
            ? 'A new wal_level is configured but not active: restart PostgreSQL'
            : changeParameter(platform, 'wal_level = logical', true),
        },
      ];
    }
    const flag = setting(server, 'rds.logical_replication');
    const waitingForReboot = flag?.value === 'on' || flag?.pendingRestart === true;
    return [
      {
        severity: 'blocker',
        title: 'Logical replication is not enabled on the instance',
        observed: `${showSetting(server, 'rds.logical_replication')}, ${showSetting(server, 'wal_level')}`,
        expected: 'rds.logical_replication = on (which sets wal_level = logical)',
        remedy: waitingForReboot
          ? 'rds.logical_replication is set but not active yet: reboot the instance'
          : changeParameter(platform, 'rds.logical_replication = 1', true),
        reference: REF.rdsCdc,
      },
    ];
  },
};

const maxReplicationSlots: PreflightCheck = {
  id: 'server.max-replication-slots',
  reference: REF.selfManagedCdc,
  evaluate({ facts, platform, slot }) {
    const max = intSetting(facts.server, 'max_replication_slots') ?? 0;
    const used = facts.replication.slots.length;
    // Starting from an existing slot takes no new one; anything else makes DMS create its own.
    const needed = slot ? 0 : 1;
    if (max - used >= needed && max > 0) return [];
    const inactive = facts.replication.slots.filter((s) => !s.active).map((s) => s.slotName);
    return [
      {
        severity: 'blocker',
        title: 'No free replication slot for the DMS task',
        observed: `max_replication_slots = ${max}, ${used} in use${inactive.length ? ` (inactive: ${inactive.join(', ')})` : ''}`,
        expected: `at least ${used + Math.max(needed, 1)} (one slot per DMS task, plus the ones in use)`,
        remedy: `${changeParameter(platform, `max_replication_slots = ${used + 2}`, true)}; or drop a slot nothing reads with SELECT pg_drop_replication_slot('<name>')`,
      },
    ];
  },
};

const maxWalSenders: PreflightCheck = {
  id: 'server.max-wal-senders',
  reference: REF.selfManagedCdc,
  evaluate({ facts, platform }) {
    const max = intSetting(facts.server, 'max_wal_senders') ?? 0;
    const inUse = facts.server.walSendersInUse;
    if (max - inUse >= 1) return [];
    return [
      {
        severity: 'blocker',
        title: 'No free WAL sender for the DMS task to stream with',
        observed: `max_wal_senders = ${max}, ${inUse} running`,
        expected: `at least ${inUse + 1} (one per concurrent DMS task, plus standbys and other consumers)`,
        remedy: changeParameter(platform, `max_wal_senders = ${inUse + 2}`, true),
      },
    ];
  },
};

const walSenderTimeout: PreflightCheck = {
  id: 'server.wal-sender-timeout',
  reference: REF.selfManagedCdc,
  evaluate({ facts, platform }) {
    const ms = msSetting(facts.server, 'wal_sender_timeout');
    if (ms === undefined || ms === 0 || (ms >= 10_000 && ms <= 300_000)) return [];
    const observed = showSetting(facts.server, 'wal_sender_timeout');
    if (ms < 10_000) {
      return [
        {
          severity: 'blocker',
          title: 'wal_sender_timeout is below the 10 s DMS needs',
          observed,
          expected: '0 (no timeout) or at least 10000 ms',
          remedy: changeParameter(platform, 'wal_sender_timeout = 60000', false),
        },
      ];
    }
    return [
      {
        severity: 'warning',
        title: 'wal_sender_timeout above 5 minutes delays a DMS Multi-AZ failover',
        observed,
        expected: 'at most 300000 ms (or 0)',
        remedy: changeParameter(platform, 'wal_sender_timeout = 60000', false),
      },
    ];
  },
};

const maxWorkerProcesses: PreflightCheck = {
  id: 'server.max-worker-processes',
  reference: REF.rdsCdc,
  evaluate({ facts, platform }) {
    // A documented requirement for RDS and Aurora, where the parameter group sizes these together.
    if (platform === 'self-managed') return [];
    const { server } = facts;
    const parts = ['max_logical_replication_workers', 'autovacuum_max_workers', 'max_parallel_workers'];
    const values = parts.map((name) => intSetting(server, name));
    const max = intSetting(server, 'max_worker_processes');
    if (max === undefined || values.some((v) => v === undefined)) return [];
    const needed = values.reduce<number>((sum, v) => sum + (v ?? 0), 0);
    if (max >= needed) return [];
    return [
      {
        severity: 'warning',
        title: 'max_worker_processes is below the workers it must host',
        observed: `max_worker_processes = ${max}; ${parts.map((p, i) => `${p} = ${values[i]}`).join(', ')}`,
        expected: `max_worker_processes >= ${needed} (their sum)`,
        remedy: changeParameter(platform, `max_worker_processes = ${needed}`, true),
      },
    ];
  },
};

const maxSlotWalKeepSize: PreflightCheck = {
  id: 'server.max-slot-wal-keep-size',
  reference: REF.logicalReplication,
  evaluate({ facts, platform, slot }) {
    const bytes = bytesSetting(facts.server, 'max_slot_wal_keep_size');
    if (bytes === undefined || bytes < 0) return [];
    const safe = slot?.safeWalSizeBytes;
    return [
      {
        severity: 'warning',
        title: 'A slot that falls behind max_slot_wal_keep_size loses WAL and fails the DMS task',
        observed: `${showSetting(facts.server, 'max_slot_wal_keep_size')}${
          safe !== null && safe !== undefined ? `; ${slot?.slotName} can fall ${safe} more bytes behind` : ''
        }`,
        expected:
          'max_slot_wal_keep_size = -1, or a limit well above the longest DMS outage, with disk alarms',
        remedy: `Keep it only with lag alarms in place (dms-cdc health); to remove the limit: ${changeParameter(
          platform,
          'max_slot_wal_keep_size = -1',
          false,
        )}`,
      },
    ];
  },
};

const idleInTransactionTimeout: PreflightCheck = {
  id: 'server.idle-in-transaction-timeout',
  reference: REF.selfManagedPrerequisites,
  evaluate({ facts, platform }) {
    const ms = msSetting(facts.server, 'idle_in_transaction_session_timeout');
    if (ms === undefined || ms === 0) return [];
    return [
      {
        severity: 'warning',
        title: 'idle_in_transaction_session_timeout ends the transactions DMS leaves idle',
        observed: `${showSetting(facts.server, 'idle_in_transaction_session_timeout')} for ${facts.role.name}`,
        expected: 'idle_in_transaction_session_timeout = 0 for the DMS user',
        remedy: `ALTER ROLE ${facts.role.name} SET idle_in_transaction_session_timeout = 0; (or ${changeParameter(
          platform,
          'idle_in_transaction_session_timeout = 0',
          false,
        )})`,
      },
    ];
  },
};

// PostgreSQL's default; below it, decoding spills transactions to disk (pg_replslot) far more often.
const DEFAULT_DECODING_WORK_MEM = 64 * 1024 * 1024;

const logicalDecodingWorkMem: PreflightCheck = {
  id: 'server.logical-decoding-work-mem',
  reference: REF.assessments,
  evaluate({ facts, platform }) {
    const bytes = bytesSetting(facts.server, 'logical_decoding_work_mem');
    if (bytes === undefined || bytes >= DEFAULT_DECODING_WORK_MEM) return [];
    return [
      {
        severity: 'warning',
        title: 'logical_decoding_work_mem is small: large transactions spill to disk while decoding',
        observed: showSetting(facts.server, 'logical_decoding_work_mem'),
        expected: 'at least 64MB (the PostgreSQL default)',
        remedy: changeParameter(platform, 'logical_decoding_work_mem = 64MB', false),
        reference: REF.pgReplicationSettings,
      },
    ];
  },
};

// A day: what a task may be stopped for (maintenance, a failed task awaiting a person) unless told otherwise.
export const DEFAULT_LONGEST_DOWNTIME_SECONDS = 86_400;

const idleReplicationSlotTimeout: PreflightCheck = {
  id: 'server.idle-replication-slot-timeout',
  reference: REF.pgReplicationSettings,
  evaluate({ facts, platform, longestDowntimeSeconds }) {
    // PostgreSQL 18+: servers without the parameter have no row, and nothing to say.
    const ms = msSetting(facts.server, 'idle_replication_slot_timeout');
    if (ms === undefined || ms <= 0) return [];
    const downtime = longestDowntimeSeconds ?? DEFAULT_LONGEST_DOWNTIME_SECONDS;
    const observed = `${showSetting(facts.server, 'idle_replication_slot_timeout')}; the longest planned task downtime is ${downtime} s${longestDowntimeSeconds === undefined ? ' (default: one day)' : ''}`;
    const remedy = `${changeParameter(platform, 'idle_replication_slot_timeout = 0', false)}, or a value above the longest time a DMS task may stay stopped`;
    if (ms / 1000 >= downtime) {
      return [
        {
          severity: 'info',
          title: `An idle slot is invalidated after ${ms / 1000} s (idle_replication_slot_timeout)`,
          observed,
          expected: 'longer than any planned task downtime',
          remedy: `Keep task stops shorter than that: the slot is invalidated at the next checkpoint after it (invalidation_reason idle_timeout) and the changes it held are lost. ${remedy}`,
        },
      ];
    }
    return [
      {
        severity: 'warning',
        title:
          'idle_replication_slot_timeout invalidates the DMS slot sooner than the longest planned task downtime',
        observed,
        expected: `idle_replication_slot_timeout = 0 (off) or at least ${downtime} s`,
        remedy: `${remedy}: a task stopped longer finds its slot invalidated (invalidation_reason idle_timeout) and the changes since its checkpoint gone`,
      },
    ];
  },
};

const inRecovery: PreflightCheck = {
  id: 'server.in-recovery',
  reference: REF.rdsCdc,
  evaluate({ facts }) {
    if (!facts.server.inRecovery) return [];
    return [
      {
        severity: 'blocker',
        title: 'The source is a standby (read replica): DMS CDC needs the primary',
        observed: 'pg_is_in_recovery() = true',
        expected: 'the writer: pg_is_in_recovery() = false',
        remedy: 'Point the source endpoint at the primary (the cluster writer endpoint on Aurora)',
      },
    ];
  },
};

export const SERVER_CHECKS: readonly PreflightCheck[] = [
  versionSupported,
  walLevel,
  maxReplicationSlots,
  maxWalSenders,
  walSenderTimeout,
  maxWorkerProcesses,
  maxSlotWalKeepSize,
  idleInTransactionTimeout,
  logicalDecodingWorkMem,
  idleReplicationSlotTimeout,
  inRecovery,
];
