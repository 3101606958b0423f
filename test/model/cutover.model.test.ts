import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stopReasonCode } from '../../src/core/stop-reason.js';
import { statesEntered } from '../../src/local/recovery/run.js';
import type { ExecutionResult } from '../../src/local/stepfunctions/index.js';
import {
  CutoverWorld,
  DMS_STOPS,
  type DmsStop,
  type Fault,
  type Observation,
  plainScenario,
  type Scenario,
} from '../support/cutover-world.js';
import { modelRuns, runCutoverWorld } from './runs.js';

/**
 * Model-based proof of the cutover machine: statemachines/cutover.asl.json, unchanged, run by the
 * local runner against generated DMS behaviour (statuses and StopReasons in DMS's own wording, lag and
 * latency series, approval answers, throttling and Lambda timeouts, stops at any stage). After every
 * run the invariants every cutover must keep are checked on what the machine did.
 */

const stops = Object.keys(DMS_STOPS) as DmsStop[];
const faults: Fault[] = [
  'DmsThrottledError',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];
const HANDLERS = [
  'PlanCutoverFunctionArn',
  'FindTaskFunctionArn',
  'PreflightFunctionArn',
  'EnsureSlotFunctionArn',
  'CreateSourceEndpointFunctionArn',
  'TestEndpointConnectionFunctionArn',
  'CreateCdcTaskFunctionArn',
  'StartTaskFunctionArn',
  'PollTaskFunctionArn',
  'CheckCatchUpFunctionArn',
  'StopTaskFunctionArn',
  'SyncSequencesFunctionArn',
  'VerifyRowCountsFunctionArn',
  'NotifyFunctionArn',
];

const observation: fc.Arbitrary<Observation> = fc.record({
  lagBytes: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1001, max: 10_000_000 })),
  latencySeconds: fc.integer({ min: 0, max: 30 }),
  // Mostly a task that keeps running; now and then one that stops or fails, at any stage.
  stop: fc.oneof(
    { weight: 12, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(...stops) },
  ),
});

const scenario: fc.Arbitrary<Scenario> = fc.record({
  mode: fc.constantFrom('stop-at-position', 'stop-when-quiet', 'continuous'),
  approval: fc.constantFrom('not-required', 'approve', 'reject'),
  blockers: fc.oneof(
    { weight: 9, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
  ),
  observations: fc.array(observation, { maxLength: 10 }),
  afterStopRequest: fc.oneof(
    { weight: 6, arbitrary: fc.constant<DmsStop>('normal') },
    { weight: 1, arbitrary: fc.constantFrom(...stops) },
  ),
  positionPolls: fc.integer({ min: 0, max: 3 }),
  positionStop: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<DmsStop>('atServerTime', 'atCommitTime') },
    { weight: 1, arbitrary: fc.constantFrom(...stops) },
  ),
  verify: fc.oneof(
    { weight: 5, arbitrary: fc.constant<'equal'>('equal') },
    { weight: 1, arbitrary: fc.constant<'mismatch'>('mismatch') },
  ),
  transient: fc.array(
    fc.record({
      handler: fc.constantFrom(...HANDLERS),
      call: fc.integer({ min: 1, max: 4 }),
      error: fc.constantFrom(...faults),
    }),
    { maxLength: 3 },
  ),
  broken: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.record({ handler: fc.constantFrom(...HANDLERS), call: fc.integer({ min: 1, max: 4 }) }),
    },
  ),
  delays: fc.record({
    connection: fc.integer({ min: 0, max: 2 }),
    ready: fc.integer({ min: 0, max: 2 }),
    running: fc.integer({ min: 0, max: 2 }),
  }),
  restartsAfterCatchUp: fc.integer({ min: 0, max: 2 }),
  withTarget: fc.oneof(
    { weight: 4, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  sequences: fc.oneof(
    { weight: 4, arbitrary: fc.constant<'sync'>('sync') },
    { weight: 1, arbitrary: fc.constant<'off'>('off') },
  ),
});

/** The invariants of a cutover run (docs/architecture.md, "How a cutover ends"). */
function checkInvariants(world: CutoverWorld, result: ExecutionResult): void {
  const { scenario, record, task } = world;
  expect(['SUCCEEDED', 'FAILED']).toContain(result.status);
  // A runtime error means the ASL read something that is not there: never acceptable.
  expect(result.error ?? '').not.toMatch(/^States\.(Runtime|DataLimitExceeded)/);
  // Only ever one first start, and never anything but start-replication from this machine.
  expect(record.starts.filter((s) => s.startType === 'start-replication').length).toBeLessThanOrEqual(1);
  expect(record.starts.every((s) => s.startType === 'start-replication')).toBe(true);
  // Strict verification only ever compares a stopped task.
  for (const v of record.verifies.filter((v) => v.strict)) expect(v.taskStatus).toBe('stopped');
  // Target sequences are set only from a stopped task's source (a running one moves on), only when
  // asked, with the gap asked for, and before the verification that follows.
  for (const s of record.sequenceSyncs) expect(s).toEqual({ taskStatus: 'stopped', gap: 5 });
  if (scenario.sequences === 'off' || scenario.mode === 'continuous')
    expect(record.sequenceSyncs).toEqual([]);
  const synced = record.handlers.indexOf('SyncSequencesFunctionArn');
  if (synced >= 0 && record.handlers.includes('VerifyRowCountsFunctionArn'))
    expect(synced).toBeLessThan(record.handlers.indexOf('VerifyRowCountsFunctionArn'));

  const notifying = scenario.broken?.handler !== 'NotifyFunctionArn';
  if (
    scenario.withTarget === false &&
    scenario.mode !== 'continuous' &&
    scenario.broken?.handler !== 'PlanCutoverFunctionArn'
  ) {
    // A cutover that would stop the task without a target to verify is refused before anything is made
    // (by the plan step: when the model breaks that step, its own error comes first).
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(record.handlers).not.toContain('CreateCdcTaskFunctionArn');
  }
  if (result.status === 'SUCCEEDED') {
    expect(scenario.blockers).toBe(0);
    if (scenario.approval !== 'not-required') expect(record.approval).toBe('approved');
    const code = stopReasonCode(task?.stopReason);
    if (scenario.mode === 'continuous') {
      expect(task?.status).toBe('running');
      expect(record.stopRequests).toBe(0);
    } else {
      expect(task?.status).toBe('stopped');
      if (scenario.mode === 'stop-at-position') expect(code).toMatch(/^STOPPED_AT_/);
      if (scenario.mode === 'stop-when-quiet') {
        expect(record.stopRequests).toBeGreaterThan(0);
        expect(code).toBe('NORMAL');
      }
      const last = record.verifies.at(-1);
      expect(last).toEqual({ strict: true, taskStatus: 'stopped', passed: true });
      if (scenario.sequences !== 'off') expect(record.sequenceSyncs.length).toBeGreaterThan(0);
    }
    if (!notifying) return;
    expect(record.notifications.at(-1)?.attributes.kind).toBe('success');
    if (scenario.mode === 'continuous') expect(record.notifications.at(-1)?.body).toContain('CONTINUOUS');
    return;
  }
  if (!notifying) return;
  // FAILED: a person is told what failed, where, and (with a task) how to recover it.
  const last = record.notifications.at(-1);
  expect(last?.attributes.kind).toMatch(/^(failure|blocked)$/);
  if (last?.attributes.kind === 'failure' && task !== undefined) {
    expect(last.body).toContain('dms-cdc recover');
    const stage = (last.payload as { stage: string }).stage;
    expect(last.subject).toContain(stage);
    if (task.status === 'stopped' || task.status === 'failed') {
      const code = stopReasonCode(task.stopReason);
      const askedFor =
        (scenario.mode === 'stop-at-position' && code?.startsWith('STOPPED_AT_')) ||
        (scenario.mode === 'stop-when-quiet' && record.stopRequests > 0 && code === 'NORMAL');
      // An unexpected stop is named by its StopReason code; an asked-for one failed later (verification).
      if (!askedFor) expect(last.body).toContain(code ?? task.stopReason);
    }
  }
}

describe('cutover machine, model-based (real ASL, generated DMS behaviour)', () => {
  it(`keeps every cutover invariant on ${modelRuns()} generated runs`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const world = new CutoverWorld(s);
        const result = await runCutoverWorld(world);
        checkInvariants(world, result);
      }),
      { numRuns: modelRuns(), endOnFailure: true },
    );
  });

  it('a task that reaches its stop position during catch-up still waits for approval', async () => {
    const world = new CutoverWorld(
      plainScenario({
        mode: 'stop-at-position',
        approval: 'approve',
        observations: [{ lagBytes: 5_000_000, latencySeconds: 1, stop: 'atServerTime' }],
      }),
    );
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    const states = statesEntered(result);
    expect(states.indexOf('StoppedDuringCatchUp')).toBeLessThan(states.indexOf('RequestApproval'));
    expect(states.indexOf('RequestApproval')).toBeLessThan(states.indexOf('VerifyRowCounts'));
    expect(world.record.verifies).toEqual([{ strict: true, taskStatus: 'stopped', passed: true }]);
  });

  it('an unexpected stop during catch-up fails the cutover, naming the stage, the StopReason and the remedy', async () => {
    const world = new CutoverWorld(
      plainScenario({
        approval: 'approve',
        observations: [{ lagBytes: 5_000_000, latencySeconds: 1, stop: 'lowDisk' }],
      }),
    );
    const result = await runCutoverWorld(world);

    expect(result).toMatchObject({ status: 'FAILED', error: 'TaskStoppedUnexpectedlyError' });
    expect(statesEntered(result)).not.toContain('RequestApproval');
    const failure = world.record.notifications.at(-1);
    expect(failure?.subject).toBe('[FAILED] cutover model: CheckCatchUp TaskStoppedUnexpectedlyError');
    expect(failure?.body).toContain('Task StopReason: Stop Reason STOPPED_DUE_TO_LOW_DISK');
    expect(failure?.body).toContain('dms-cdc recover');
  });

  it('stop-when-quiet: the machine stops the task only once the source is quiet, then verifies strictly', async () => {
    const busy = { lagBytes: 5_000_000, latencySeconds: 1, stop: null };
    const quiet = { lagBytes: 10, latencySeconds: 1, stop: null };
    const world = new CutoverWorld(
      plainScenario({
        observations: [quiet, quiet, busy, quiet, quiet],
      }),
    );
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    const states = statesEntered(result);
    expect(states.filter((s) => s === 'CheckQuiet')).toHaveLength(3);
    expect(states.indexOf('StopTask')).toBeGreaterThan(states.lastIndexOf('CheckQuiet'));
    expect(world.record.stopRequests).toBe(1);
    expect(world.task?.stopReason).toBe('Stop Reason NORMAL');
  });

  it('continuous: ends caught up and approved with the task running, and says so', async () => {
    const world = new CutoverWorld(
      plainScenario({
        mode: 'continuous',
        approval: 'approve',
        verify: 'mismatch',
      }),
    );
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.task?.status).toBe('running');
    expect(world.record.stopRequests).toBe(0);
    expect(world.record.verifies).toEqual([{ strict: false, taskStatus: 'running', passed: false }]);
    expect(world.record.notifications.at(-1)?.body).toContain('succeeded with CONTINUOUS REPLICATION');
  });
});
