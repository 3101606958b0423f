import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/local/stepfunctions/index.js';
import { CutoverWorld, plainScenario } from '../support/cutover-world.js';
import { runCutoverWorld } from './runs.js';

/**
 * Every failure path of the cutover machine, one at a time: a step that fails for good is caught,
 * notified with its stage, and ends the execution FAILED; a notification that cannot be sent never
 * changes the outcome. The generated runs in cutover.model.test.ts reach these only by chance.
 */

const quiet = { lagBytes: 0, latencySeconds: 0, stop: null };

const scenario = plainScenario;

function caughtIn(result: ExecutionResult): string[] {
  return result.events.filter((e) => e.type === 'StateCaught').map((e) => e.stateName ?? '');
}

describe('cutover machine: a step that fails for good is caught and notified', () => {
  it.each([
    ['PlanCutover', scenario({ broken: { handler: 'PlanCutoverFunctionArn', call: 1 } }), 'PlanCutover'],
    ['FindTask', scenario({ broken: { handler: 'FindTaskFunctionArn', call: 1 } }), 'FindTask'],
    ['Preflight', scenario({ broken: { handler: 'PreflightFunctionArn', call: 1 } }), 'Preflight'],
    ['EnsureSlot', scenario({ broken: { handler: 'EnsureSlotFunctionArn', call: 1 } }), 'EnsureSlot'],
    [
      'CreateSourceEndpoint',
      scenario({ broken: { handler: 'CreateSourceEndpointFunctionArn', call: 1 } }),
      'CreateSourceEndpoint',
    ],
    [
      'TestConnection',
      scenario({ broken: { handler: 'TestEndpointConnectionFunctionArn', call: 1 } }),
      'TestConnection',
    ],
    [
      'TestConnectionAgain',
      scenario({
        broken: { handler: 'TestEndpointConnectionFunctionArn', call: 2 },
        delays: { connection: 1, ready: 0, running: 0 },
      }),
      'TestConnectionAgain',
    ],
    [
      'CreateCdcTask',
      scenario({ broken: { handler: 'CreateCdcTaskFunctionArn', call: 1 } }),
      'CreateCdcTask',
    ],
    ['PollReady', scenario({ broken: { handler: 'PollTaskFunctionArn', call: 1 } }), 'PollReady'],
    ['StartTask', scenario({ broken: { handler: 'StartTaskFunctionArn', call: 1 } }), 'StartTask'],
    ['PollRunning', scenario({ broken: { handler: 'PollTaskFunctionArn', call: 2 } }), 'PollRunning'],
    ['CheckCatchUp', scenario({ broken: { handler: 'CheckCatchUpFunctionArn', call: 1 } }), 'CheckCatchUp'],
    // Catch-up needs two polls within the thresholds: the third check is the quiet wait's first.
    ['CheckQuiet', scenario({ broken: { handler: 'CheckCatchUpFunctionArn', call: 3 } }), 'CheckQuiet'],
    ['StopTask', scenario({ broken: { handler: 'StopTaskFunctionArn', call: 1 } }), 'StopTask'],
    ['PollStopped', scenario({ broken: { handler: 'PollTaskFunctionArn', call: 3 } }), 'PollStopped'],
    [
      'CheckStillRunning',
      scenario({ mode: 'continuous', broken: { handler: 'PollTaskFunctionArn', call: 3 } }),
      'CheckStillRunning',
    ],
    [
      'RequestApproval',
      scenario({ approval: 'approve', broken: { handler: 'NotifyFunctionArn', call: 1 } }),
      'RequestApproval',
    ],
    [
      'SyncSequences',
      scenario({ broken: { handler: 'SyncSequencesFunctionArn', call: 1 } }),
      'SyncSequences',
    ],
    [
      'VerifyRowCounts',
      scenario({ broken: { handler: 'VerifyRowCountsFunctionArn', call: 1 } }),
      'VerifyRowCounts',
    ],
    [
      'VerifyRowCounts, sequences left to the user',
      scenario({ sequences: 'off', broken: { handler: 'VerifyRowCountsFunctionArn', call: 1 } }),
      'VerifyRowCounts',
    ],
  ] as const)('%s', async (_, broken, state) => {
    const world = new CutoverWorld(broken);
    const result = await runCutoverWorld(world);

    expect(result).toMatchObject({ status: 'FAILED', error: 'ModelBrokenError' });
    expect(caughtIn(result)[0]).toBe(state);
    if (broken.broken?.handler !== 'NotifyFunctionArn') {
      const failure = world.record.notifications.at(-1);
      expect(failure?.attributes).toMatchObject({ kind: 'failure', severity: 'CRITICAL' });
      expect(failure?.subject).toContain('ModelBrokenError');
      // The stage named is the state that failed, as the run's history has it (a retry loop's second
      // Task is named by the first, which records the same result).
      const named = state === 'TestConnectionAgain' ? 'TestConnection' : state;
      expect(failure?.payload).toMatchObject({ stage: named });
    }
  });
});

describe('cutover machine: a notification that cannot be sent never changes the outcome', () => {
  it('blocked: still ends Blocked, nothing created', async () => {
    const world = new CutoverWorld(
      scenario({ blockers: 2, broken: { handler: 'NotifyFunctionArn', call: 1 } }),
    );
    const result = await runCutoverWorld(world);

    expect(result).toMatchObject({ status: 'FAILED', error: 'PreflightBlockersError' });
    expect(caughtIn(result)).toEqual(['NotifyBlocked']);
    expect(world.task).toBeUndefined();
  });

  it('success: still SUCCEEDED with the task stopped and verified', async () => {
    const world = new CutoverWorld(scenario({ broken: { handler: 'NotifyFunctionArn', call: 1 } }));
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    expect(caughtIn(result)).toEqual(['NotifySuccess']);
    expect(world.record.verifies).toEqual([{ strict: true, taskStatus: 'stopped', passed: true }]);
  });

  it('failure: still FAILED with the original error', async () => {
    const world = new CutoverWorld(
      scenario({ verify: 'mismatch', broken: { handler: 'NotifyFunctionArn', call: 1 } }),
    );
    const result = await runCutoverWorld(world);

    expect(result).toMatchObject({ status: 'FAILED', error: 'RowCountMismatchError' });
    expect(caughtIn(result)).toEqual(['VerifyRowCounts', 'NotifyFailure']);
  });
});

describe('cutover machine: the task stops by itself during the quiet wait', () => {
  it('fails naming the quiet wait and the StopReason; the machine never stops it', async () => {
    const world = new CutoverWorld(
      scenario({ observations: [quiet, quiet, { lagBytes: 5_000_000, latencySeconds: 1, stop: 'lowDisk' }] }),
    );
    const result = await runCutoverWorld(world);

    expect(result).toMatchObject({ status: 'FAILED', error: 'TaskStoppedUnexpectedlyError' });
    expect(world.record.stopRequests).toBe(0);
    const failure = world.record.notifications.at(-1);
    expect(failure?.subject).toBe('[FAILED] cutover model: CheckQuiet TaskStoppedUnexpectedlyError');
    expect(failure?.body).toContain('STOPPED_DUE_TO_LOW_DISK');
  });
});

describe('cutover machine: waits that need more than one look, and options', () => {
  it('a connection test still running, a task still creating and still starting: each wait loops, then goes on', async () => {
    const world = new CutoverWorld(scenario({ delays: { connection: 2, ready: 2, running: 2 } }));
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    const entered = result.events.filter((e) => e.type === 'StateEntered').map((e) => e.stateName);
    expect(entered.filter((s) => s === 'TestConnectionAgain')).toHaveLength(2);
    expect(entered.filter((s) => s === 'PollReady').length).toBeGreaterThan(1);
    expect(entered.filter((s) => s === 'PollRunning').length).toBeGreaterThan(1);
    expect(world.record.starts).toEqual([{ startType: 'start-replication', statusBefore: 'ready' }]);
  });

  it('continuous: a task DMS is restarting after catch-up is waited for, never started again', async () => {
    const world = new CutoverWorld(scenario({ mode: 'continuous', restartsAfterCatchUp: 2 }));
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    const entered = result.events.filter((e) => e.type === 'StateEntered').map((e) => e.stateName);
    expect(entered.filter((s) => s === 'WaitForStillRunning').length).toBeGreaterThan(0);
    expect(world.record.starts).toHaveLength(1);
    expect(world.task?.status).toBe('running');
  });

  it('continuous without a target connection: nothing to verify, the task left running', async () => {
    const world = new CutoverWorld(scenario({ mode: 'continuous', withTarget: false }));
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.verifies).toEqual([]);
    expect(world.record.notifications.at(-1)?.body).toContain('CONTINUOUS REPLICATION');
  });
});

describe('cutover machine: the stop is not the one asked for', () => {
  it.each([
    [
      'stop-at-position, the task stops for low disk instead',
      scenario({ mode: 'stop-at-position', approval: 'approve', positionStop: 'lowDisk' }),
      'STOPPED_DUE_TO_LOW_DISK',
    ],
    [
      'stop-when-quiet, the stop the machine asked for ends in a recoverable error',
      scenario({ afterStopRequest: 'recoverable' }),
      'RECOVERABLE_ERROR',
    ],
  ] as const)('%s: FAILED, nothing verified, the StopReason named', async (_, stopped, code) => {
    const world = new CutoverWorld(stopped);
    const result = await runCutoverWorld(world);

    expect(result).toMatchObject({ status: 'FAILED', error: 'TaskStoppedUnexpectedlyError' });
    expect(world.record.verifies).toEqual([]);
    const failure = world.record.notifications.at(-1);
    expect(failure?.subject).toBe('[FAILED] cutover model: PollStopped TaskStoppedUnexpectedlyError');
    expect(failure?.body).toContain(code);
  });
});

describe('cutover machine: target sequences after the stop', () => {
  it.each([
    ['stop-when-quiet', scenario()],
    ['stop-at-position', scenario({ mode: 'stop-at-position' })],
  ] as const)('%s: set once the task stopped, before the verification, and reported', async (_, run_) => {
    const world = new CutoverWorld(run_);
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.sequenceSyncs).toEqual([{ taskStatus: 'stopped', gap: 5 }]);
    const entered = result.events.filter((e) => e.type === 'StateEntered').map((e) => e.stateName);
    expect(entered.indexOf('SyncSequences')).toBeGreaterThan(entered.lastIndexOf('PollStopped'));
    expect(entered.indexOf('SyncSequences')).toBeLessThan(entered.indexOf('VerifyRowCounts'));
    const success = world.record.notifications.at(-1);
    expect(success?.body).toContain(
      "Sequences: 3 in scope on the target: 2 set to the source's value, 1 already in step, 0 already further along",
    );
    expect(success?.payload).toMatchObject({
      sequences: { sequences: 3, set: 2, inStep: 1, targetAhead: 0 },
    });
  });

  it('sequences.sync false: nothing set, the rest of the cutover unchanged', async () => {
    const world = new CutoverWorld(scenario({ sequences: 'off' }));
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.sequenceSyncs).toEqual([]);
    const entered = result.events.filter((e) => e.type === 'StateEntered').map((e) => e.stateName);
    expect(entered).toContain('SyncSequencesRequested');
    expect(entered).not.toContain('SyncSequences');
    expect(world.record.verifies).toEqual([{ strict: true, taskStatus: 'stopped', passed: true }]);
    expect(world.record.notifications.at(-1)?.body).not.toContain('Sequences:');
  });

  it('continuous: the source moves on, so nothing is set', async () => {
    const world = new CutoverWorld(scenario({ mode: 'continuous' }));
    const result = await runCutoverWorld(world);

    expect(result.status).toBe('SUCCEEDED');
    expect(world.record.sequenceSyncs).toEqual([]);
  });
});
