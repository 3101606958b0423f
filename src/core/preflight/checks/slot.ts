import { parseLsn } from '../../lsn.js';
import { dmsPluginNameOf, isSlotPlugin } from '../../output-plugins.js';
import { formatBytes } from '../../slot.js';
import { type EvaluationContext, type PreflightCheck, pgPluginName } from '../context.js';
import type { SlotFact } from '../facts.js';
import type { Problem } from '../finding.js';
import { setting } from '../platform.js';
import { REF } from '../references.js';

/** Every slot check but slot.exists needs the slot; without --slot none of them applies. */
function withSlot(evaluate: (slot: SlotFact, context: EvaluationContext) => Problem[]) {
  return (context: EvaluationContext): Problem[] => (context.slot ? evaluate(context.slot, context) : []);
}

const exists: PreflightCheck = {
  id: 'slot.exists',
  reference: REF.nativeStartPoint,
  evaluate({ slotName, slot, facts, plugin, createSlot }) {
    if (!slotName || slot) return [];
    if (createSlot) return [willBeCreated(slotName, pgPluginName(plugin.name))];
    return [
      {
        severity: 'blocker',
        title: `Replication slot ${slotName} does not exist`,
        observed: `slots on the server: ${facts.replication.slots.map((s) => s.slotName).join(', ') || 'none'}`,
        expected: `a logical slot named ${slotName} (DMS errors when the slot of a native start point is missing)`,
        remedy:
          `If it was lost in a failover, treat the changes since its last confirmed_flush_lsn as at risk. To start fresh: ` +
          `SELECT pg_create_logical_replication_slot('${slotName}', '${pgPluginName(plugin.name)}'); then reload the target`,
      },
    ];
  },
};

/**
 * The run asked to create the missing slot (EnsureSlot runs after preflight): expected, so info. A new
 * slot streams only what is written after its creation, hence the reminder about the target.
 */
function willBeCreated(slotName: string, plugin: string): Problem {
  return {
    severity: 'info',
    title: `Replication slot ${slotName} does not exist yet: it will be created`,
    observed: `no slot named ${slotName}; slot creation was asked for`,
    expected: `a logical slot ${slotName} decoding with ${plugin}, created by the run before the DMS task starts at its confirmed_flush_lsn`,
    remedy:
      'Nothing to do if the target already holds the data as of now: the new slot streams only changes made after it is created. ' +
      'If the slot was lost in a failover, stop: changes since its last confirmed_flush_lsn are at risk and the target needs a reload',
  };
}

const logical: PreflightCheck = {
  id: 'slot.logical',
  reference: REF.nativeStartPoint,
  evaluate: withSlot((slot) =>
    slot.slotType === 'logical'
      ? []
      : [
          {
            severity: 'blocker',
            title: `${slot.slotName} is a physical slot`,
            observed: `slot_type = ${slot.slotType}`,
            expected: 'slot_type = logical',
            remedy: 'Give the name of a logical slot; physical slots feed standbys, not DMS',
          },
        ],
  ),
};

const pluginMatches: PreflightCheck = {
  id: 'slot.plugin-matches',
  reference: REF.nativeStartPoint,
  evaluate: withSlot((slot, { plugin }) => {
    if (slot.slotType !== 'logical') return [];
    const wanted = pgPluginName(plugin.name);
    if (slot.plugin === wanted) return [];
    const supported = isSlotPlugin(slot.plugin);
    return [
      {
        severity: 'blocker',
        title: supported
          ? `${slot.slotName} decodes with ${slot.plugin}, not the ${wanted} the task will use`
          : `${slot.slotName} decodes with ${slot.plugin}, which DMS cannot read`,
        observed: `plugin = ${slot.plugin}`,
        expected: `plugin = ${wanted}`,
        remedy: supported
          ? `Set PostgreSQLSettings.PluginName = ${dmsPluginNameOf(slot.plugin)} on the source endpoint`
          : `Use a slot created with test_decoding or pglogical: SELECT pg_create_logical_replication_slot('<name>', 'test_decoding');`,
      },
    ];
  }),
};

const databaseMatches: PreflightCheck = {
  id: 'slot.database-matches',
  reference: REF.nativeStartPoint,
  evaluate: withSlot((slot, { facts }) => {
    if (slot.slotType !== 'logical' || slot.database === facts.server.database) return [];
    return [
      {
        severity: 'blocker',
        title: `${slot.slotName} belongs to another database`,
        observed: `slot database = ${slot.database}, source endpoint database = ${facts.server.database}`,
        expected: `a slot created in ${facts.server.database}`,
        remedy: `Set DatabaseName = ${slot.database} on the source endpoint, or use a slot created in ${facts.server.database}`,
      },
    ];
  }),
};

const inactive: PreflightCheck = {
  id: 'slot.inactive',
  reference: REF.nativeStartPoint,
  evaluate: withSlot((slot) => {
    if (!slot.active) return [];
    return [
      {
        severity: 'blocker',
        title: `${slot.slotName} is in use by another connection`,
        observed: `active, held by pid ${slot.activePid ?? '?'}${slot.activeApplication ? ` (${slot.activeApplication})` : ''}`,
        expected: 'no active connection on the slot when the DMS task starts',
        remedy: `Stop the consumer; if it is a stale walsender: SELECT pg_terminate_backend(${slot.activePid ?? '<pid>'});`,
      },
    ];
  }),
};

const walReserved: PreflightCheck = {
  id: 'slot.wal-reserved',
  reference: REF.pgSlots,
  evaluate: withSlot((slot) => {
    const invalidated =
      slot.walStatus === 'lost' || slot.invalidationReason !== null || slot.conflicting === true;
    if (invalidated) {
      return [
        {
          severity: 'blocker',
          title: `${slot.slotName} has been invalidated: the WAL it needed is gone`,
          observed: `wal_status = ${slot.walStatus ?? 'n/a'}${slot.invalidationReason ? `, invalidation_reason = ${slot.invalidationReason}` : ''}`,
          expected: 'wal_status = reserved',
          remedy:
            `Changes after confirmed_flush_lsn ${slot.confirmedFlushLsn ?? '?'} are lost: drop and recreate the slot ` +
            `(SELECT pg_drop_replication_slot('${slot.slotName}');) and reload the target`,
        },
      ];
    }
    if (slot.walStatus !== 'unreserved') return [];
    return [
      {
        severity: 'warning',
        title: `${slot.slotName} is past max_slot_wal_keep_size: its WAL may be removed at the next checkpoint`,
        observed: `wal_status = unreserved, safe_wal_size = ${slot.safeWalSizeBytes ?? 'n/a'}`,
        expected: 'wal_status = reserved',
        remedy: 'Start consuming the slot now, or raise max_slot_wal_keep_size before the next checkpoint',
      },
    ];
  }),
};

const confirmedFlushLsn: PreflightCheck = {
  id: 'slot.confirmed-flush-lsn',
  reference: REF.nativeStartPoint,
  evaluate: withSlot((slot, { facts }) => {
    if (slot.slotType !== 'logical') return [];
    if (slot.confirmedFlushLsn === null) {
      return [
        {
          severity: 'blocker',
          title: `${slot.slotName} has no confirmed_flush_lsn to start from`,
          observed: 'confirmed_flush_lsn is NULL',
          expected: 'a confirmed_flush_lsn: the earliest valid CdcStartPosition',
          remedy:
            'Recreate the slot; a logical slot that never reached a consistent point cannot be a start point',
        },
      ];
    }
    const waiting = parseLsn(facts.replication.serverLsn) - parseLsn(slot.confirmedFlushLsn);
    return [
      {
        severity: 'info',
        title: `Start the CDC task at ${slot.confirmedFlushLsn} or later`,
        observed: `confirmed_flush_lsn = ${slot.confirmedFlushLsn}, restart_lsn = ${slot.restartLsn ?? 'n/a'}, ${formatBytes(waiting < 0n ? 0n : waiting)} of WAL since`,
        expected: `CdcStartPosition >= ${slot.confirmedFlushLsn}`,
        remedy: `create-replication-task --migration-type cdc --cdc-start-position ${slot.confirmedFlushLsn}`,
      },
    ];
  }),
};

const twoPhase: PreflightCheck = {
  id: 'slot.two-phase',
  reference: REF.limitations,
  evaluate: withSlot((slot) => {
    if (slot.twoPhase !== true) return [];
    return [
      {
        severity: 'blocker',
        title: `${slot.slotName} decodes prepared transactions at PREPARE time, which DMS does not process`,
        observed: 'two_phase = true',
        expected: 'two_phase = false',
        remedy: `Create the slot without two-phase decoding: SELECT pg_create_logical_replication_slot('<name>', '${slot.plugin ?? 'test_decoding'}', false, false);`,
      },
    ];
  }),
};

const failoverReady: PreflightCheck = {
  id: 'slot.failover-ready',
  reference: REF.pgFailoverSlots,
  evaluate: withSlot((slot, context) => {
    const { facts, platform } = context;
    if (slot.slotType !== 'logical') return [];
    if (platform !== 'self-managed') {
      return [
        {
          severity: 'info',
          title: `Re-inspect ${slot.slotName} after any ${platform === 'aurora' ? 'Aurora' : 'Multi-AZ'} failover`,
          observed: `${platform === 'aurora' ? 'Aurora' : 'RDS'} source: slot survival across failover is not something to assume`,
          expected: 'the slot present with the same confirmed_flush_lsn on the new writer',
          remedy: 'Run dms-cdc slot (or the recover state machine) against the writer after a failover event',
        },
      ];
    }
    // pg_replication_slots has no failover column before PostgreSQL 17 (read as null): by feature.
    if (slot.failover === null) {
      // The conflicting column (16+) marks servers that decode on a standby.
      const standbyDecoding = slot.conflicting !== null;
      return [
        {
          severity: 'info',
          title: `${slot.slotName} will not survive a standby promotion (failover slots need PostgreSQL 17)`,
          observed: `PostgreSQL ${facts.server.version}`,
          expected: 'PostgreSQL 17 with a failover slot synced to the standby',
          remedy:
            'After a failover, treat the slot as lost: recreate it on the new primary and reload the target' +
            (standbyDecoding
              ? '. On this version a slot created on the standby itself (logical decoding on a standby) survives that standby’s promotion'
              : ''),
        },
      ];
    }
    return failoverProblems(slot, context);
  }),
};

function failoverProblems(slot: SlotFact, { facts }: EvaluationContext): Problem[] {
  if (slot.failover !== true) {
    return [
      {
        severity: 'warning',
        title: `${slot.slotName} is not a failover slot: a promoted standby will not have it`,
        observed: 'failover = false',
        expected: 'failover = true, synced to a standby with sync_replication_slots = on',
        remedy: `Over a replication connection (psql "dbname=${facts.server.database} replication=database"): ALTER_REPLICATION_SLOT ${slot.slotName} ( FAILOVER true );`,
      },
    ];
  }
  const listed = (setting(facts.server, 'synchronized_standby_slots')?.value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const streaming = facts.replication.slots.filter(
    (s) => s.slotType === 'physical' && s.active && listed.includes(s.slotName),
  );
  if (streaming.length > 0) return [];
  return [
    {
      severity: 'warning',
      title: `No streaming standby is guaranteed to have ${slot.slotName}`,
      observed: listed.length
        ? `synchronized_standby_slots = ${listed.join(', ')}, none of them active`
        : 'synchronized_standby_slots is empty',
      expected:
        'synchronized_standby_slots naming the physical slot of a streaming standby that runs sync_replication_slots = on',
      remedy:
        "ALTER SYSTEM SET synchronized_standby_slots = '<standby physical slot>'; SELECT pg_reload_conf(); and on the standby: " +
        'sync_replication_slots = on, hot_standby_feedback = on, dbname in primary_conninfo',
    },
  ];
}

export const SLOT_CHECKS: readonly PreflightCheck[] = [
  exists,
  logical,
  pluginMatches,
  databaseMatches,
  inactive,
  walReserved,
  confirmedFlushLsn,
  twoPhase,
  failoverReady,
];
