import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLsn, type Lsn, lsnFromBigInt, lsnFromCheckpoint, parseLsn } from '../../src/core/lsn.js';
import { restartsOnRecoverableError } from '../../src/core/recovery/dms-restarts.js';
import { RECOVERY_NOTIFICATION_KINDS } from '../../src/core/recovery/notifications.js';
import { taskStopReason } from '../../src/core/stop-reason.js';
import { runLocalMachine } from '../../src/local/machine.js';
import { statesEntered } from '../../src/local/recovery/run.js';
import type { ExecutionResult } from '../../src/local/stepfunctions/index.js';
import type { Task } from '../../src/ports/dms.js';
import {
  type DecisionRecord,
  DMS_STOPS,
  type DmsStop,
  OLD_TASK_ARN,
  type RecoverScenario,
  RecoverWorld,
  SLOT,
  type WalStatus,
} from '../support/recover-world.js';
import { modelRuns } from './runs.js';

/**
 * Model-based proof of the recover machine: statemachines/recover.asl.json, unchanged, run by the local
 * runner against a generated world (a DMS task with its StopReason in DMS's own wording, its checkpoint and
 * settings; the slot on the writer with its holder, positions and wal_status; the writer's position, role
 * and reachability) that moves on between observations (DMS restarting the task by itself, a stale
 * walsender exiting or not, the slot advancing or not, throttling, an unreachable source). The real
 * decide-recovery, start-task, poll-task, stop-task and notify-recovery run with fake ports. After every
 * run the invariants of docs/architecture.md (restart versus resume) are checked on what the machine did to the world.
 */

const stops = Object.keys(DMS_STOPS) as DmsStop[];
const HANDLERS = [
  'DecideRecoveryFunctionArn',
  'StartTaskFunctionArn',
  'PollTaskFunctionArn',
  'StopTaskFunctionArn',
  'CheckCatchUpFunctionArn',
  'CreateCdcTaskFunctionArn',
  'TerminateSlotHolderFunctionArn',
  'NotifyRecoveryFunctionArn',
];
const weighted = <T>(often: T, rarely: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T> =>
  fc.oneof({ weight, arbitrary: fc.constant(often) }, { weight: 1, arbitrary: rarely });
const observationAt = fc.option(fc.integer({ min: 1, max: 6 }), { freq: 3 });

const scenario: fc.Arbitrary<RecoverScenario> = fc.record({
  task: fc.record({
    exists: weighted(true, fc.constant(false), 10),
    status: fc.oneof(
      { weight: 8, arbitrary: fc.constant<Task['status']>('failed') },
      { weight: 4, arbitrary: fc.constant<Task['status']>('stopped') },
      { weight: 3, arbitrary: fc.constantFrom<Task['status']>('running', 'starting', 'stopping') },
      { weight: 1, arbitrary: fc.constantFrom<Task['status']>('ready', 'failed-move') },
    ),
    stop: fc.constantFrom(...stops),
    everRan: fc.boolean(),
    // Relative to restart_lsn: before it (the slot no longer holds it), between restart and confirmed_flush,
    // beyond confirmed_flush, or ahead of the writer's WAL (a failover to a standby that lacked it).
    checkpointOffset: fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.integer({ min: -0x3000, max: -1 }) },
      { weight: 12, arbitrary: fc.integer({ min: 0, max: 0x6000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x20000 }) },
    ),
    recoverableErrorCount: fc.constantFrom<-1 | 0 | null>(-1, 0, null),
    endpoint: fc.oneof(
      { weight: 8, arbitrary: fc.constant<'same'>('same') },
      { weight: 1, arbitrary: fc.constantFrom<'other-slot' | 'gone'>('other-slot', 'gone') },
    ),
    readsSlot: fc.boolean(),
  }),
  dms: fc.record({
    selfRestartAt: observationAt,
    settleAt: observationAt,
    reconnectAt: observationAt,
    raceOnResume: weighted(false, fc.constant(true), 3),
    failsAfterStart: weighted(false, fc.constant(true), 8),
    throttledCalls: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
  }),
  slot: fc.record({
    exists: weighted(true, fc.constant(false), 20),
    walStatus: fc.oneof(
      { weight: 14, arbitrary: fc.constantFrom<WalStatus>('reserved', 'extended', 'unreserved') },
      { weight: 1, arbitrary: fc.constant<WalStatus>('lost') },
    ),
    failover: fc.boolean(),
    synced: fc.boolean(),
    confirmedAhead: fc.integer({ min: 0, max: 0x4000 }),
    staleHolder: fc.option(
      fc.record({
        pid: fc.integer({ min: 100, max: 60_000 }),
        exitsAt: fc.option(fc.integer({ min: 1, max: 8 })),
      }),
      { freq: 3 },
    ),
    holderRespawns: weighted(false, fc.constant(true), 4),
    advances: weighted(true, fc.constant(false), 4),
  }),
  writer: fc.record({
    serverAhead: fc.integer({ min: 0, max: 0x8000 }),
    growth: fc.constantFrom(0, 0x100, 0x2000),
    inRecovery: weighted(false, fc.constant(true), 25),
    // Refused connections: none, a few (the Retry absorbs them), or more than Decide's 7 attempts.
    unreachableFor: fc.oneof(
      { weight: 16, arbitrary: fc.constant(0) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
      { weight: 1, arbitrary: fc.integer({ min: 7, max: 8 }) },
    ),
  }),
  failover: fc.boolean(),
  terminateStaleBackend: fc.boolean(),
  replacement: weighted(true, fc.constant(false), 5),
  slotWaitTimeoutSeconds: fc.constantFrom(60, 120),
  taskWaitTimeoutSeconds: fc.constantFrom(60, 120),
  notifyFails: fc.option(fc.constantFrom(...RECOVERY_NOTIFICATION_KINDS), { freq: 6 }),
  lambdaFaults: fc.array(
    fc.record({
      handler: fc.constantFrom(...HANDLERS),
      call: fc.integer({ min: 1, max: 4 }),
      error: fc.constantFrom('Lambda.TooManyRequestsException' as const, 'Lambda.ServiceException' as const),
    }),
    { maxLength: 2 },
  ),
});

async function run(world: RecoverWorld): Promise<ExecutionResult> {
  return runLocalMachine('recover', world.handlers(), {
    input: world.input(),
    timeScale: 0,
    signal: world.abort.signal,
  });
}

function checkpointOf(task: Task | undefined): Lsn | null {
  return task?.recoveryCheckpoint === undefined ? null : lsnFromCheckpoint(task.recoveryCheckpoint);
}

const FAILED_KINDS = ['data-gap', 'escalate', 'failure'];

/** The invariants of a recovery run (docs/architecture.md: the DMS facts and restart versus resume). */
function checkInvariants(world: RecoverWorld, result: ExecutionResult): void {
  const { record, scenario } = world;
  const timeoutMs = scenario.taskWaitTimeoutSeconds * 1000;
  // Every loop is bounded: a run ends by itself.
  expect(world.runaway).toBe(false);
  expect(['SUCCEEDED', 'FAILED']).toContain(result.status);
  // A runtime error means the ASL read something that is not there: never acceptable.
  expect(result.error ?? '').not.toMatch(/^States\.(Runtime|DataLimitExceeded)/);

  // Never a restart: every start DMS received is checked against whether that task had run.
  for (const start of record.starts) {
    expect(start.startType).not.toBe('reload-target');
    expect(start.startType).toBe(start.ran ? 'resume-processing' : 'start-replication');
    // A task DMS is already restarting is never started again (only the scripted race reaches DMS, refused).
    if (start.dmsRestarting) {
      expect(start.accepted).toBe(false);
      expect(scenario.dms.raceOnResume).toBe(true);
    }
  }
  // The machine acts only on its decision: a resume after RESUME, a new task's first start after NEW_TASK_FROM_SLOT.
  for (const start of record.starts) {
    const decided = record.decisions[start.afterDecision]?.result.decision.kind;
    expect(decided).toBe(start.taskArn === OLD_TASK_ARN ? 'RESUME' : 'NEW_TASK_FROM_SLOT');
  }
  // No slot dropped, created or recreated, by any path.
  expect(record.slotRecreations).toEqual([]);
  expect(record.unexpectedSql).toEqual([]);
  // DMS restarted the task itself: the machine never started it after that.
  const selfRestart = record.dmsSelfRestartTick;
  if (selfRestart !== null) {
    const later = record.starts.filter(
      (s) => s.taskArn === OLD_TASK_ARN && s.accepted && s.tick >= selfRestart,
    );
    expect(later).toEqual([]);
  }

  // At most one new task, only after NEW_TASK_FROM_SLOT, started only with start-replication, never before
  // what the slot confirmed nor before what the old task applied.
  const created = record.creates.filter((c) => c.result.created);
  expect(created.length).toBeLessThanOrEqual(1);
  const newArns = new Set(record.creates.map((c) => c.result.taskArn));
  const newStarts = record.starts.filter((s) => newArns.has(s.taskArn));
  expect(newStarts.every((s) => s.startType === 'start-replication')).toBe(true);
  expect(newStarts.filter((s) => s.accepted).length).toBeLessThanOrEqual(1);
  if (record.creates.length > 0) {
    const decided = record.decisions.at(-1) as DecisionRecord;
    expect(decided.result.decision.kind).toBe('NEW_TASK_FROM_SLOT');
    for (const { payload } of record.creates) {
      const start = parseLsn(payload.cdcStartPosition);
      expect(start >= (decided.slot?.confirmed ?? 0n)).toBe(true);
      const checkpoint = checkpointOf(decided.task);
      if (checkpoint !== null) expect(start >= checkpoint).toBe(true);
      expect(payload.slotName).toBe(SLOT);
    }
  }

  record.decisions.forEach((d, index) => {
    const { decision } = d.result;
    if (decision.kind === 'RESUME') {
      // Only from a slot that still holds what the checkpoint needs, on the writer, free, read by the task.
      expect(d.slot).not.toBeNull();
      expect(d.slot?.walStatus).not.toBe('lost');
      const checkpoint = checkpointOf(d.task);
      expect(checkpoint).not.toBeNull();
      expect((checkpoint as Lsn) >= (d.slot?.restart ?? 0n)).toBe(true);
      expect((checkpoint as Lsn) <= d.server).toBe(true);
      expect(d.inRecovery).toBe(false);
      expect(d.slot?.holderPid).toBeNull();
      expect(d.endpointSlot).toBe(SLOT);
      expect(['stopped', 'failed']).toContain(d.task?.status);
      expect(taskStopReason(d.task as Task).code).not.toBe('FATAL_ERROR');
      // A task DMS restarts by itself is resumed only once DMS had taskWaitTimeoutSeconds to do it.
      if (
        taskStopReason(d.task as Task).code === 'RECOVERABLE_ERROR' &&
        restartsOnRecoverableError(d.task?.replicationTaskSettings)
      ) {
        let first = index;
        while (first > 0 && record.decisions[first - 1]?.result.decision.kind === 'WAIT_FOR_TASK') first -= 1;
        expect(first).toBeLessThan(index);
        expect(d.atMs - (record.decisions[first] as DecisionRecord).atMs).toBeGreaterThanOrEqual(timeoutMs);
      }
    }
    if (decision.kind === 'DATA_GAP') {
      // The decision names the range; the writer's position bounds it; nothing is started or created.
      expect(decision.atRisk).not.toBeNull();
      expect(decision.atRisk?.to).not.toBeNull();
      // The lower end is known whenever the task is (its checkpoint, or where it started).
      if (d.task !== undefined) expect(decision.atRisk?.from).not.toBeNull();
      expect(decision.reason).toContain(`${decision.atRisk?.from ?? 'unknown'} .. ${decision.atRisk?.to}`);
      expect(result).toMatchObject({ status: 'FAILED', error: 'RecoveryDataGap' });
      expect(record.starts.filter((s) => s.accepted)).toEqual([]);
      expect(record.creates).toEqual([]);
      if (scenario.notifyFails !== 'data-gap') {
        const gap = record.notifications.find((n) => n.kind === 'data-gap');
        const range = `${decision.atRisk?.from ?? 'unknown'} .. ${decision.atRisk?.to}`;
        expect(gap?.message.body).toContain(range);
        expect(gap?.message.subject).toContain(range);
        expect(gap?.message.attributes.severity).toBe('CRITICAL');
        expect(gap?.message.payload.decision).toMatchObject({ atRisk: decision.atRisk });
      }
      // A gap is only ever declared when the slot cannot serve the task.
      const checkpoint = checkpointOf(d.task);
      const real =
        d.slot === null ||
        d.slot.walStatus === 'lost' ||
        (checkpoint !== null && (checkpoint < d.slot.restart || checkpoint > d.server));
      expect(real).toBe(true);
    }
    if (decision.kind === 'WAIT_FOR_SLOT') {
      // The holder named is the PID that held the slot, never the walsender of a task DMS is starting.
      expect(decision.holder?.pid).toBe(d.slot?.holderPid);
      expect(d.slot?.holderBy).toBe('stale');
    }
    if (decision.kind === 'NO_ACTION') {
      // Nothing to do only when the task runs with its slot active, or stopped where it was told to. Straight
      // to "nothing to recover" only when the task itself reads the slot: one look at a slot a stale
      // walsender holds must never be taken for a healthy task (after DMS's own restart the machine then
      // checks the task catches up, so there the holder is checked by what follows).
      const reads =
        d.task?.status === 'running' &&
        d.slot?.holderPid !== null &&
        d.slot?.holderPid !== undefined &&
        (d.result.restartedByDms || d.slot?.holderBy !== 'stale');
      const code = d.task && taskStopReason(d.task).code;
      const atPosition =
        d.task?.status === 'stopped' &&
        (code === 'STOPPED_AT_SERVER_TIME' || code === 'STOPPED_AT_COMMIT_TIME');
      expect(reads || atPosition).toBe(true);
    }
    if (decision.kind === 'NEW_TASK_FROM_SLOT') {
      expect(d.slot?.walStatus).not.toBe('lost');
      expect(d.slot?.holderPid ?? null).toBeNull();
    }
  });

  // Terminate: only with the policy on, at most once, only the PID the decision named.
  expect(record.terminates.length).toBeLessThanOrEqual(1);
  for (const t of record.terminates) {
    expect(scenario.terminateStaleBackend).toBe(true);
    expect(t.allowed).toBe(true);
    const named = record.decisions[t.afterDecision]?.result.decision;
    expect(named?.kind).toBe('WAIT_FOR_SLOT');
    expect(t.pid).toBe(named?.holder?.pid);
    // Never the walsender of a task (DMS's own, while it starts or runs it).
    if (t.holderPid === t.pid) expect(t.holderBy).toBe('stale');
  }

  const lastAsked = record.notifyAttempts.at(-1);
  if (result.status === 'FAILED') {
    // Every failed run tells a person (unless SNS refused that very notification).
    expect(FAILED_KINDS).toContain(lastAsked);
    if (lastAsked !== scenario.notifyFails) {
      const last = record.notifications.at(-1);
      expect(last?.kind).toBe(lastAsked);
      expect(last?.message.attributes.severity).toBe('CRITICAL');
    }
    return;
  }
  expect(['recovered', 'no-action']).toContain(lastAsked);
  if (lastAsked === 'recovered') {
    // Recovered means a task runs and reads the slot, which has caught up.
    const holder = world.slot.holder?.by;
    expect(holder).toBeDefined();
    expect(world.tasks.get(holder as string)?.status).toBe('running');
    expect(world.server - world.slot.confirmed).toBeLessThanOrEqual(4096n);
  }
}

/** A scenario with nothing unusual, for the named examples to change one thing at a time. */
function base(overrides: {
  task?: Partial<RecoverScenario['task']>;
  dms?: Partial<RecoverScenario['dms']>;
  slot?: Partial<RecoverScenario['slot']>;
  writer?: Partial<RecoverScenario['writer']>;
  rest?: Partial<Omit<RecoverScenario, 'task' | 'dms' | 'slot' | 'writer'>>;
}): RecoverScenario {
  return {
    task: {
      exists: true,
      status: 'failed',
      stop: 'recoverable',
      everRan: true,
      checkpointOffset: 0x800,
      recoverableErrorCount: 0,
      endpoint: 'same',
      readsSlot: false,
      ...overrides.task,
    },
    dms: {
      selfRestartAt: null,
      settleAt: null,
      reconnectAt: null,
      raceOnResume: false,
      failsAfterStart: false,
      throttledCalls: [],
      ...overrides.dms,
    },
    slot: {
      exists: true,
      walStatus: 'reserved',
      failover: false,
      synced: false,
      confirmedAhead: 0x1000,
      staleHolder: null,
      holderRespawns: false,
      advances: true,
      ...overrides.slot,
    },
    writer: { serverAhead: 0x4000, growth: 0x100, inRecovery: false, unreachableFor: 0, ...overrides.writer },
    failover: false,
    terminateStaleBackend: false,
    replacement: true,
    slotWaitTimeoutSeconds: 60,
    taskWaitTimeoutSeconds: 120,
    notifyFails: null,
    lambdaFaults: [],
    ...overrides.rest,
  };
}

const RESTART = (0x4afn << 32n) + 0xa000n;
const at = (offset: number) => formatLsn(lsnFromBigInt(RESTART + BigInt(offset)));

describe('recover machine, model-based (real ASL, real decision handlers, generated world)', () => {
  it(`keeps every recovery invariant on ${modelRuns()} generated runs`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const world = new RecoverWorld(s);
        const result = await run(world);
        checkInvariants(world, result);
      }),
      { numRuns: modelRuns(), endOnFailure: true },
    );
  });

  it('FATAL_ERROR in DMS long form: a new task on the same slot at max(confirmed_flush, checkpoint), the old one never restarted', async () => {
    // confirmed_flush at restart+0x1000, the checkpoint beyond it at restart+0x1800: the new task starts there.
    const world = new RecoverWorld(base({ task: { stop: 'fatal', checkpointOffset: 0x1800 } }));
    const result = await run(world);
    checkInvariants(world, result);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.decisions[0]?.result.decision).toMatchObject({
      kind: 'NEW_TASK_FROM_SLOT',
      lsns: { startPosition: at(0x1800), confirmedFlush: at(0x1000), checkpoint: at(0x1800) },
    });
    expect(world.record.creates).toHaveLength(1);
    expect(world.record.creates[0]?.payload).toMatchObject({ slotName: SLOT, cdcStartPosition: at(0x1800) });
    const newArn = world.record.creates[0]?.result.taskArn;
    expect(world.record.starts).toEqual([
      expect.objectContaining({
        taskArn: newArn,
        startType: 'start-replication',
        ran: false,
        accepted: true,
      }),
    ]);
    expect(world.tasks.get(OLD_TASK_ARN)?.status).toBe('failed');
    expect(world.record.notifications.at(-1)?.message.body).toContain(`created a NEW CDC task ${newArn}`);
  });

  it('FATAL_ERROR with the checkpoint behind confirmed_flush: the new task starts at confirmed_flush', async () => {
    const world = new RecoverWorld(
      base({ task: { stop: 'fatalInFailureMessage', checkpointOffset: 0x400 } }),
    );
    const result = await run(world);
    checkInvariants(world, result);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.creates[0]?.payload.cdcStartPosition).toBe(at(0x1000));
  });

  it('a lost slot is a DATA_GAP naming the LSN range at risk; nothing is started or created', async () => {
    const world = new RecoverWorld(base({ slot: { walStatus: 'lost' } }));
    const result = await run(world);
    checkInvariants(world, result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'RecoveryDataGap' });
    const server = at(0x1000 + 0x4000 + 0x100);
    expect(world.record.decisions[0]?.result.decision).toMatchObject({
      kind: 'DATA_GAP',
      atRisk: { from: at(0x800), to: server },
    });
    expect(world.record.starts).toEqual([]);
    expect(world.record.creates).toEqual([]);
    const gap = world.record.notifications.at(-1);
    expect(gap?.kind).toBe('data-gap');
    expect(gap?.message.body).toContain(`changes in ${at(0x800)} .. ${server} may be missing on the target`);
  });

  it('DMS restarting the task by itself after RECOVERABLE_ERROR: the machine waits and never starts it a second time', async () => {
    const world = new RecoverWorld(
      base({ task: { stop: 'recoverable', recoverableErrorCount: -1 }, dms: { selfRestartAt: 2 } }),
    );
    const result = await run(world);
    checkInvariants(world, result);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.starts).toEqual([]);
    expect(world.record.dmsSelfRestarts).toBe(1);
    expect(world.record.decisions.map((d) => d.result.decision.kind)).toEqual([
      'WAIT_FOR_TASK',
      'WAIT_FOR_TASK',
      'NO_ACTION',
    ]);
    const states = statesEntered(result);
    expect(states).toContain('FollowDmsRestart');
    expect(states).not.toContain('Resume');
    expect(world.record.notifications.at(-1)?.message.body).toContain('DMS restarted');
  });

  it('DMS restarts the task exactly when the resume reaches it: refused, decided again, never started twice', async () => {
    const world = new RecoverWorld(
      base({
        task: { stop: 'recoverable', recoverableErrorCount: -1 },
        dms: { raceOnResume: true },
        rest: { taskWaitTimeoutSeconds: 60 },
      }),
    );
    const result = await run(world);
    checkInvariants(world, result);

    expect(result.status).toBe('SUCCEEDED');
    // DMS is waited for 60 s (it does not come), then the resume races DMS's own restart and is refused;
    // the next look finds the task DMS restarted running and the slot advancing.
    expect(world.record.decisions.map((d) => d.result.decision.kind)).toEqual([
      'WAIT_FOR_TASK',
      'WAIT_FOR_TASK',
      'RESUME',
      'NO_ACTION',
    ]);
    expect(world.record.starts).toEqual([
      expect.objectContaining({ startType: 'resume-processing', accepted: false, dmsRestarting: true }),
    ]);
    expect(statesEntered(result)).toContain('ResumeRefused');
    expect(world.record.notifyAttempts.at(-1)).toBe('no-action');
    expect(world.tasks.get(OLD_TASK_ARN)?.status).toBe('running');
  });

  it('a stale walsender that never exits: terminated once (policy on), only the PID the decision named, then resumed', async () => {
    const world = new RecoverWorld(
      base({
        slot: { staleHolder: { pid: 4242, exitsAt: null } },
        rest: { terminateStaleBackend: true },
      }),
    );
    const result = await run(world);
    checkInvariants(world, result);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.terminates).toEqual([
      expect.objectContaining({ pid: 4242, allowed: true, holderPid: 4242 }),
    ]);
    expect(world.record.starts).toEqual([
      expect.objectContaining({ taskArn: OLD_TASK_ARN, startType: 'resume-processing', accepted: true }),
    ]);
  });
});
