import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Lsn, lsnFromBigInt, parseLsn } from '../../../src/core/lsn.js';
import { decideRecovery } from '../../../src/core/recovery/decide.js';
import type {
  RecoveryInput,
  TaskObservation,
  TaskWaitObservation,
} from '../../../src/core/recovery/types.js';
import type { SlotState, WalStatus } from '../../../src/core/slot.js';
import { TASK_STATUSES } from '../../../src/core/task-status.js';
import { slotState } from '../../support/slot-state.js';

const L = (text: string): Lsn => parseLsn(text);

const slot = slotState;

function task(overrides: Partial<TaskObservation> = {}): TaskObservation {
  return {
    status: 'failed',
    stopReason: 'Stop Reason RECOVERABLE_ERROR',
    lastFailureMessage: 'Last Error connection lost',
    checkpointLsn: L('1/2000'),
    resumable: true,
    ...overrides,
  };
}

function input(overrides: {
  task?: TaskObservation | undefined;
  slot?: SlotState | undefined | 'unreachable';
  previous?: Lsn | null;
  failover?: boolean;
  terminate?: boolean;
  taskWait?: TaskWaitObservation | null;
}): RecoveryInput {
  const observed =
    overrides.slot === 'unreachable'
      ? undefined
      : {
          slot: 'slot' in overrides ? (overrides.slot as SlotState | undefined) : slot(),
          serverLsn: L('1/9000'),
          previousConfirmedFlushLsn: overrides.previous ?? null,
        };
  return {
    task: 'task' in overrides ? overrides.task : task(),
    slot: observed,
    failoverJustHappened: overrides.failover ?? false,
    lastKnownGoodLsn: L('1/0500'),
    policy: { terminateStaleBackend: overrides.terminate ?? false },
    taskWait: overrides.taskWait ?? null,
  };
}

// DMS's own form of a failure (StopReason and LastFailureMessage carry the same text).
const FATAL_LONG =
  'Last Error  Replication slot "dms_slot" cannot be used: its WAL was removed. Task error notification received ' +
  'from subtask 0, thread 0 Stop Reason FATAL_ERROR Error Level FATAL';
const RECOVERABLE_LONG =
  'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE';

describe('decideRecovery: the decision table', () => {
  it.each([
    [
      'task running, slot active and advancing',
      input({
        task: task({ status: 'running' }),
        slot: slot({ active: true, activePid: 7 }),
        previous: L('1/1800'),
      }),
      'NO_ACTION',
    ],
    [
      'task running, slot active but not advancing',
      input({
        task: task({ status: 'running' }),
        slot: slot({ active: true, activePid: 7 }),
        previous: L('1/2000'),
      }),
      'ESCALATE',
    ],
    [
      'task running, slot active, first look (a stale walsender looks the same): look again',
      input({ task: task({ status: 'running' }), slot: slot({ active: true, activePid: 4242 }) }),
      'WAIT_FOR_TASK',
    ],
    [
      'task running, nothing reads the slot (DMS reconnecting)',
      input({ task: task({ status: 'running' }), slot: slot({ active: false }) }),
      'WAIT_FOR_TASK',
    ],
    ['task failed RECOVERABLE, WAL reserved, checkpoint after restart_lsn', input({}), 'RESUME'],
    [
      'task stopped normally',
      input({ task: task({ status: 'stopped', stopReason: 'Stop Reason NORMAL' }) }),
      'RESUME',
    ],
    ['WAL unreserved but still there', input({ slot: slot({ walStatus: 'unreserved' }) }), 'RESUME'],
    [
      'stale walsender holds the slot',
      input({ slot: slot({ active: true, activePid: 4242, activeApplication: 'old' }) }),
      'WAIT_FOR_SLOT',
    ],
    [
      'task failed FATAL_ERROR, slot intact',
      input({ task: task({ stopReason: 'Stop Reason FATAL_ERROR' }) }),
      'NEW_TASK_FROM_SLOT',
    ],
    [
      'task failed FATAL_ERROR as DMS writes it (Last Error ... Stop Reason FATAL_ERROR Error Level FATAL)',
      input({ task: task({ stopReason: FATAL_LONG, lastFailureMessage: FATAL_LONG }) }),
      'NEW_TASK_FROM_SLOT',
    ],
    [
      'task failed, StopReason empty, FATAL_ERROR only in LastFailureMessage',
      input({ task: task({ stopReason: undefined, lastFailureMessage: FATAL_LONG }) }),
      'NEW_TASK_FROM_SLOT',
    ],
    [
      'task failed RECOVERABLE_ERROR as DMS writes it',
      input({ task: task({ stopReason: RECOVERABLE_LONG, lastFailureMessage: RECOVERABLE_LONG }) }),
      'RESUME',
    ],
    ['task settings changed', input({ task: task({ resumable: false }) }), 'NEW_TASK_FROM_SLOT'],
    ['task deleted, slot intact', input({ task: undefined }), 'NEW_TASK_FROM_SLOT'],
    ['task without a checkpoint', input({ task: task({ checkpointLsn: null }) }), 'NEW_TASK_FROM_SLOT'],
    ['slot missing after failover', input({ slot: undefined, failover: true }), 'DATA_GAP'],
    ['slot missing without failover', input({ slot: undefined }), 'DATA_GAP'],
    ['wal_status lost', input({ slot: slot({ walStatus: 'lost' }) }), 'DATA_GAP'],
    [
      'slot just invalidated (no confirmed_flush_lsn)',
      input({ slot: slot({ confirmedFlushLsn: null, restartLsn: null, walStatus: 'lost' }) }),
      'DATA_GAP',
    ],
    ['source unreachable after retries', input({ slot: 'unreachable' }), 'ESCALATE'],
    [
      'task stopped at its commit-time stop position',
      input({ task: task({ status: 'stopped', stopReason: 'Stop Reason STOPPED_AT_COMMIT_TIME' }) }),
      'NO_ACTION',
    ],
    ['task still stopping', input({ task: task({ status: 'stopping' }) }), 'WAIT_FOR_TASK'],
    [
      'task failed RECOVERABLE and DMS restarts it by itself',
      input({ task: task({ restartsOnRecoverableError: true }) }),
      'WAIT_FOR_TASK',
    ],
    [
      'task DMS is starting, its own walsender on the slot',
      input({
        task: task({ status: 'starting', stopReason: undefined }),
        slot: slot({ active: true, activePid: 77, activeApplication: 'dms' }),
        terminate: true,
      }),
      'WAIT_FOR_TASK',
    ],
    [
      'task failed to move (failed-move)',
      input({ task: task({ status: 'failed-move', resumable: false }) }),
      'NEW_TASK_FROM_SLOT',
    ],
    [
      'task never started (ready)',
      input({ task: task({ status: 'ready', checkpointLsn: null }) }),
      'ESCALATE',
    ],
  ])('%s -> %s', (_label, given, kind) => {
    const decision = decideRecovery(given);
    expect(decision.kind).toBe(kind);
    expect(decision.reason.length).toBeGreaterThan(20);
  });
});

describe('decideRecovery: boundaries and the LSNs it reports', () => {
  it('resumes when the checkpoint equals restart_lsn', () => {
    const decision = decideRecovery(input({ task: task({ checkpointLsn: L('1/1000') }) }));
    expect(decision.kind).toBe('RESUME');
    expect(decision.lsns).toMatchObject({
      checkpoint: L('1/1000'),
      restart: L('1/1000'),
      confirmedFlush: L('1/2000'),
    });
  });

  it('reports a gap from the checkpoint to restart_lsn when the checkpoint is one byte before it', () => {
    const decision = decideRecovery(input({ task: task({ checkpointLsn: L('1/FFF') }) }));
    expect(decision).toMatchObject({ kind: 'DATA_GAP', atRisk: { from: L('1/FFF'), to: L('1/1000') } });
  });

  it('resumes from a synced slot that is behind the checkpoint (the server skips what was applied)', () => {
    const synced = slot({ synced: true, restartLsn: L('1/0800'), confirmedFlushLsn: L('1/0900') });
    const decision = decideRecovery(
      input({ slot: synced, failover: true, task: task({ checkpointLsn: L('1/2000') }) }),
    );
    expect(decision.kind).toBe('RESUME');
    expect(decision.reason).toContain('survived the failover');
  });

  it('names the range at risk when the slot is missing after a failover: checkpoint to the new writer position', () => {
    const decision = decideRecovery(input({ slot: undefined, failover: true }));
    expect(decision.atRisk).toEqual({ from: L('1/2000'), to: L('1/9000') });
    expect(decision.reason).toContain('1/2000 .. 1/9000');
    expect(decision.reason).toContain('neither a synced failover slot (PostgreSQL 17+)');
  });

  it('falls back to the last known good position when the task has no checkpoint', () => {
    const decision = decideRecovery(input({ slot: undefined, task: task({ checkpointLsn: null }) }));
    expect(decision.atRisk).toEqual({ from: L('1/0500'), to: L('1/9000') });
  });

  it('starts a new task no earlier than the old checkpoint, so nothing is applied twice', () => {
    const ahead = decideRecovery(
      input({ task: task({ stopReason: 'Stop Reason FATAL_ERROR', checkpointLsn: L('1/3000') }) }),
    );
    expect(ahead.lsns.startPosition).toBe(L('1/3000'));
    const behind = decideRecovery(
      input({ task: task({ stopReason: 'Stop Reason FATAL_ERROR', checkpointLsn: L('1/1800') }) }),
    );
    expect(behind.lsns.startPosition).toBe(L('1/2000'));
  });

  it('passes the terminate policy to WAIT_FOR_SLOT', () => {
    const held = slot({ active: true, activePid: 99, activeApplication: 'stale' });
    expect(decideRecovery(input({ slot: held, terminate: true })).holder).toEqual({
      pid: 99,
      application: 'stale',
      terminate: true,
    });
    expect(decideRecovery(input({ slot: held, terminate: false })).holder?.terminate).toBe(false);
  });
});

describe('decideRecovery: properties over any observation', () => {
  const lsn = fc.bigInt({ min: 0n, max: 1n << 40n }).map((n) => lsnFromBigInt(n));
  const walStatus = fc.constantFrom<WalStatus | null>('reserved', 'extended', 'unreserved', 'lost', null);
  const anySlot = fc
    .record({
      active: fc.boolean(),
      restartLsn: fc.option(lsn, { nil: null }),
      confirmedFlushLsn: fc.option(lsn, { nil: null }),
      walStatus,
    })
    .map((o) => slot({ ...o, activePid: o.active ? 1 : null }));
  const anyTask = fc
    .record({
      status: fc.constantFrom(...TASK_STATUSES),
      stopReason: fc.constantFrom(
        undefined,
        'Stop Reason NORMAL',
        'Stop Reason RECOVERABLE_ERROR',
        'Stop Reason FATAL_ERROR',
        RECOVERABLE_LONG,
        FATAL_LONG,
      ),
      checkpointLsn: fc.option(lsn, { nil: null }),
      resumable: fc.boolean(),
    })
    .map((o) => task(o));
  const anyInput = fc
    .record({
      task: fc.option(anyTask, { nil: undefined }),
      slot: fc.option(anySlot, { nil: undefined }),
      previous: fc.option(lsn, { nil: null }),
      failover: fc.boolean(),
      terminate: fc.boolean(),
    })
    .map((o) => input(o));

  it('never resumes from a slot that is missing, invalidated, held, or past the checkpoint', () => {
    fc.assert(
      fc.property(anyInput, (given) => {
        const decision = decideRecovery(given);
        if (decision.kind !== 'RESUME') return true;
        const s = given.slot?.slot;
        const checkpoint = given.task?.checkpointLsn;
        return (
          s !== undefined &&
          !s.active &&
          s.walStatus !== 'lost' &&
          s.confirmedFlushLsn !== null &&
          checkpoint != null &&
          (s.restartLsn === null || checkpoint >= s.restartLsn)
        );
      }),
    );
  });

  it('a new task never starts before the slot confirmed_flush_lsn', () => {
    fc.assert(
      fc.property(anyInput, (given) => {
        const decision = decideRecovery(given);
        if (decision.kind !== 'NEW_TASK_FROM_SLOT') return true;
        const confirmed = given.slot?.slot?.confirmedFlushLsn;
        return (
          confirmed != null &&
          decision.lsns.startPosition !== undefined &&
          decision.lsns.startPosition >= confirmed
        );
      }),
    );
  });

  it('never resumes a task that failed with FATAL_ERROR, wherever DMS wrote the code', () => {
    // Around the case that would otherwise resume: slot free and reserved, checkpoint between restart_lsn and the writer.
    const fatalText = fc.constantFrom('Stop Reason FATAL_ERROR', FATAL_LONG);
    const checkpoint = fc.bigInt({ min: 0x1_1000n, max: 0x1_9000n }).map((n) => lsnFromBigInt(n));
    fc.assert(
      fc.property(
        fatalText,
        fc.boolean(),
        fc.constantFrom('stopped' as const, 'failed' as const),
        fc.constantFrom<WalStatus>('reserved', 'extended', 'unreserved'),
        checkpoint,
        fc.boolean(),
        (text, inFailureMessageOnly, status, walStatus, checkpointLsn, failover) => {
          const given = input({
            task: task({
              status,
              stopReason: inFailureMessageOnly ? undefined : text,
              lastFailureMessage: text,
              checkpointLsn,
            }),
            slot: slot({ walStatus }),
            failover,
          });
          expect(decideRecovery(given).kind).toBe('NEW_TASK_FROM_SLOT');
        },
      ),
    );
  });

  it('names the message of a fatal failure, without the DMS wrapping, in its reason', () => {
    const decision = decideRecovery(
      input({ task: task({ stopReason: FATAL_LONG, lastFailureMessage: FATAL_LONG }) }),
    );
    expect(decision.reason).toContain(
      'FATAL_ERROR (Replication slot "dms_slot" cannot be used: its WAL was removed.',
    );
    expect(decision.reason).not.toContain('Stop Reason');
  });

  it('a missing or lost slot is always a DATA_GAP (never an automatic action)', () => {
    fc.assert(
      fc.property(anyInput, (given) => {
        const s = given.slot?.slot;
        const gone =
          given.slot !== undefined &&
          (s === undefined || s.walStatus === 'lost' || s.confirmedFlushLsn === null);
        return !gone || decideRecovery(given).kind === 'DATA_GAP';
      }),
    );
  });
});

describe('decideRecovery: the writer and the checkpoint ahead of it', () => {
  const onServer = (given: RecoveryInput, server: string, inRecovery?: boolean): RecoveryInput => ({
    ...given,
    slot: given.slot && {
      ...given.slot,
      serverLsn: L(server),
      ...(inRecovery === undefined ? {} : { inRecovery }),
    },
  });

  it('escalates when the server read is a standby: nothing is decided from a replica', () => {
    const decision = decideRecovery(onServer(input({ failover: true }), '1/9000', true));
    expect(decision.kind).toBe('ESCALATE');
    expect(decision.reason).toContain('pg_is_in_recovery()');
    expect(decision.lsns).toEqual({ server: L('1/9000') });
  });

  it('escalates from a standby even when the slot is missing there (not yet a DATA_GAP)', () => {
    expect(decideRecovery(onServer(input({ slot: undefined, failover: true }), '1/9000', true)).kind).toBe(
      'ESCALATE',
    );
  });

  it('decides as before when the server is known to be the writer', () => {
    expect(decideRecovery(onServer(input({}), '1/9000', false)).kind).toBe('RESUME');
  });

  it('reports a gap when the checkpoint is ahead of the writer (transactions lost with the old primary)', () => {
    const synced = slot({ synced: true, restartLsn: L('1/0800'), confirmedFlushLsn: L('1/0900') });
    const decision = decideRecovery(
      onServer(input({ slot: synced, failover: true, task: task({ checkpointLsn: L('1/2000') }) }), '1/1800'),
    );
    expect(decision).toMatchObject({ kind: 'DATA_GAP', atRisk: { from: L('1/1800'), to: L('1/2000') } });
    expect(decision.reason).toContain('ahead of the writer');
    expect(decision.reason).toContain('after the failover');
  });

  it('resumes when the checkpoint equals the writer position (nothing written since)', () => {
    expect(decideRecovery(onServer(input({}), '1/2000')).kind).toBe('RESUME');
  });

  it('never starts a new task past the writer: a FATAL task whose checkpoint is ahead is a gap', () => {
    const decision = decideRecovery(
      onServer(
        input({ task: task({ stopReason: 'Stop Reason FATAL_ERROR', checkpointLsn: L('1/3000') }) }),
        '1/2800',
      ),
    );
    expect(decision.kind).toBe('DATA_GAP');
  });

  it('never resumes from a checkpoint ahead of the writer, whatever else is observed', () => {
    const lsn = fc.bigInt({ min: 0n, max: 1n << 36n }).map((n) => lsnFromBigInt(n));
    fc.assert(
      fc.property(lsn, lsn, fc.boolean(), (checkpoint, server, failover) => {
        const given = onServer(input({ failover, task: task({ checkpointLsn: checkpoint }) }), '0/0');
        const decision = decideRecovery({
          ...given,
          slot: given.slot && { ...given.slot, serverLsn: server },
        });
        return checkpoint <= server || (decision.kind !== 'RESUME' && decision.kind !== 'NEW_TASK_FROM_SLOT');
      }),
    );
  });
});

describe('decideRecovery: a task DMS settles or restarts by itself (WAIT_FOR_TASK)', () => {
  const waited = (seconds: number): TaskWaitObservation => ({ waitedSeconds: seconds, timeoutSeconds: 60 });
  const restarting = task({ restartsOnRecoverableError: true });

  it('waits for DMS only where it would otherwise resume: a FATAL_ERROR still gets a new task', () => {
    const fatal = task({ restartsOnRecoverableError: true, stopReason: 'Stop Reason FATAL_ERROR' });
    expect(decideRecovery(input({ task: fatal })).kind).toBe('NEW_TASK_FROM_SLOT');
    expect(decideRecovery(input({ task: restarting, slot: slot({ walStatus: 'lost' }) })).kind).toBe(
      'DATA_GAP',
    );
    expect(decideRecovery(input({ task: task({ restartsOnRecoverableError: false }) })).kind).toBe('RESUME');
  });

  it('resumes once the wait for DMS is over, saying DMS did not restart it', () => {
    const within = decideRecovery(input({ task: restarting, taskWait: waited(59) }));
    const over = decideRecovery(input({ task: restarting, taskWait: waited(60) }));

    expect(within.kind).toBe('WAIT_FOR_TASK');
    expect(over.kind).toBe('RESUME');
    expect(over.reason).toContain('DMS did not restart it within 60 s');
  });

  it('a task running again after the wait, its slot read and advanced: NO_ACTION restartedByDms', () => {
    const running = (previous: Lsn) =>
      decideRecovery(
        input({
          task: task({ status: 'running' }),
          slot: slot({ active: true, activePid: 9, confirmedFlushLsn: L('1/2000') }),
          previous,
          taskWait: waited(12),
        }),
      );

    expect(running(L('1/1800'))).toMatchObject({ kind: 'NO_ACTION', restartedByDms: true });
    // Held but not moved (a stale walsender looks the same): look again within the wait.
    expect(running(L('1/2000'))).toMatchObject({ kind: 'WAIT_FOR_TASK' });
    expect(
      decideRecovery(input({ task: task({ status: 'running' }), slot: slot({ active: true }) }))
        .restartedByDms,
    ).toBeUndefined();
  });

  it.each([
    ['starting', slot({ active: true, activePid: 9 })],
    ['running', slot({ active: false })],
  ] as const)('a task still %s past the wait: ESCALATE', (status, observed) => {
    const decision = decideRecovery(input({ task: task({ status }), slot: observed, taskWait: waited(61) }));

    expect(decision.kind).toBe('ESCALATE');
    expect(decision.reason).toContain('61 s');
  });

  it('says why a task cannot be resumed, as observed', () => {
    const decision = decideRecovery(
      input({
        task: task({ resumable: false, notResumableBecause: 'its source endpoint now names slot x' }),
      }),
    );

    expect(decision.kind).toBe('NEW_TASK_FROM_SLOT');
    expect(decision.reason).toContain('its source endpoint now names slot x');
  });
});

describe('decideRecovery: never acting while DMS acts', () => {
  const lsn = fc.bigInt({ min: 0n, max: 1n << 40n }).map((n) => lsnFromBigInt(n));
  const settling = fc.constantFrom(
    'starting' as const,
    'stopping' as const,
    'modifying' as const,
    'moving' as const,
    'creating' as const,
    'testing' as const,
  );
  const anyWait = fc.option(
    fc.record({ waitedSeconds: fc.integer({ min: 0, max: 120 }), timeoutSeconds: fc.constant(60) }),
    { nil: null },
  );

  it('a task DMS is starting, stopping or moving is never resumed, replaced or has its slot holder terminated', () => {
    fc.assert(
      fc.property(
        settling,
        fc.boolean(),
        lsn,
        anyWait,
        fc.boolean(),
        (status, active, confirmed, taskWait, restarts) => {
          const decision = decideRecovery(
            input({
              task: task({ status, restartsOnRecoverableError: restarts }),
              slot: slot({
                active,
                activePid: active ? 5 : null,
                confirmedFlushLsn: confirmed,
                restartLsn: confirmed,
              }),
              terminate: true,
              taskWait,
            }),
          );
          const over = taskWait !== null && taskWait.waitedSeconds >= taskWait.timeoutSeconds;
          return decision.kind === (over ? 'ESCALATE' : 'WAIT_FOR_TASK');
        },
      ),
    );
  });
});
