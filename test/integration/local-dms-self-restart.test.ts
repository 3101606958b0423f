import { describe, expect, it } from 'vitest';
import { stopReasonCode } from '../../src/core/stop-reason.js';
import { DEMO_TRANSACTION_SQL } from '../../src/local/demo-schema.js';
import { sleep } from '../../src/local/postgres/index.js';
import {
  confirmedFlushLsn,
  localCdcTask,
  localDmsPerTest,
  localSourceEndpoint,
} from '../support/local-dms.js';
import { waitForConvergence, waitForStatus } from '../support/replication.js';

/**
 * The local engine restarts a task by itself after a recoverable error, as DMS does under its ErrorBehavior
 * settings (RecoverableErrorCount, RecoverableErrorInterval): a resume from the checkpoint, never a slot
 * recreation. The recover machine must wait for it rather than act twice (test/e2e/recover-dms-restart.test.ts).
 */
const w = localDmsPerTest({
  prepareSource: (source) =>
    source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`),
});

async function runningTask(errorBehavior: Record<string, number> | undefined): Promise<string> {
  const src = await localSourceEndpoint(w.dms, `src-${w.run}`, w.source);
  const task = await w.dms.createCdcTask(
    localCdcTask({
      identifier: `task-${w.run}`,
      sourceEndpointArn: src.arn,
      targetEndpointArn: w.dms.registerTargetEndpoint(`tgt-${w.run}`, w.target.url()).arn,
      taskSettings: errorBehavior && JSON.stringify({ ErrorBehavior: errorBehavior }),
      cdcStartPosition: (await confirmedFlushLsn(w.source)) ?? '0/0',
    }),
  );
  await waitForStatus(w.dms, task.arn, ['ready']);
  await w.dms.startTask(task.arn, 'start-replication');
  await waitForStatus(w.dms, task.arn, ['running']);
  return task.arn;
}

/** Polls until the task runs again (waitForStatus gives up on a failed task; this one is expected to come back). */
async function runningAgain(arn: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await w.dms.describeTask(arn);
    if (task.status === 'running') return task;
    if (Date.now() > deadline)
      throw new Error(`task is ${task.status}, not running again, after ${timeoutMs} ms`);
    await sleep(25);
  }
}

async function write(from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i += 1) await w.source.query(DEMO_TRANSACTION_SQL, [i]);
}

describe('local DMS engine: its own restart after a recoverable error', () => {
  it('restarts a crashed task by itself after RecoverableErrorInterval, resuming from its checkpoint on the same slot', async () => {
    const arn = await runningTask({ RecoverableErrorCount: -1, RecoverableErrorInterval: 1 });
    await write(1, 10);
    await waitForConvergence(w.source, w.target);

    w.dms.crashTask(arn);
    const failed = await waitForStatus(w.dms, arn, ['failed']);
    await write(11, 20); // while it is down: the slot keeps these for the restart
    const restarted = await runningAgain(arn, 10_000);
    await write(21, 25);

    expect(stopReasonCode(failed.stopReason)).toBe('RECOVERABLE_ERROR');
    expect(restarted.stopReason).toBeUndefined();
    expect(w.dms.selfRestartCount(arn)).toBeGreaterThanOrEqual(1);
    // A resume, not a restart: a recreated slot would have lost 11-20, written while the task was down.
    const diffs = await waitForConvergence(w.source, w.target);
    expect(diffs.flatMap((d) => [...d.missingOnTarget, ...d.extraOnTarget])).toEqual([]);
  });

  it('with RecoverableErrorCount 0 the task stays failed: the recovery is the orchestrator’s', async () => {
    const arn = await runningTask({ RecoverableErrorCount: 0, RecoverableErrorInterval: 1 });

    w.dms.crashTask(arn);
    await waitForStatus(w.dms, arn, ['failed']);
    await sleep(1_500);

    expect((await w.dms.describeTask(arn)).status).toBe('failed');
    expect(w.dms.selfRestartCount(arn)).toBe(0);
  });

  it('a start someone makes meanwhile cancels DMS’s pending restart (it never acts twice)', async () => {
    const arn = await runningTask({ RecoverableErrorCount: -1, RecoverableErrorInterval: 1 });

    w.dms.crashTask(arn);
    await waitForStatus(w.dms, arn, ['failed']);
    await w.dms.startTask(arn, 'resume-processing');
    await waitForStatus(w.dms, arn, ['running']);
    await sleep(1_500);

    expect(w.dms.selfRestartCount(arn)).toBe(0);
    expect((await w.dms.describeTask(arn)).status).toBe('running');
  });

  it('DMS’s default (no ErrorBehavior in the settings) restarts too', async () => {
    const arn = await runningTask(undefined);

    w.dms.crashTask(arn);
    await waitForStatus(w.dms, arn, ['failed']);
    await runningAgain(arn, 15_000);

    expect(w.dms.selfRestartCount(arn)).toBeGreaterThanOrEqual(1);
  });
});
