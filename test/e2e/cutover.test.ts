import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DmsThrottledError } from '../../src/core/dms/errors.js';
import { cdcTaskIdentifier, sourceEndpointIdentifier } from '../../src/core/dms/identifiers.js';
import { compareTables } from '../../src/local/cutover/compare.js';
import { localCutoverInput, runLocalCutover } from '../../src/local/cutover/run.js';
import { startWorkload } from '../../src/local/cutover/workload.js';
import { cutoverEnvironmentPerTest } from '../support/cutover-environment.js';
import { holdSlot } from '../support/slot-holder.js';

const TABLES = ['shop.customers', 'shop.orders'];
/** What the plan names this input's endpoint and task after: localCutoverInput's name and the slot. */
const NAMES = { prefix: 'rehearsal', sourceName: 'rehearsal', slotName: 'dms_slot' };
const rig = cutoverEnvironmentPerTest((env) =>
  env.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`),
);

const input = (overrides: Record<string, unknown> = {}) =>
  localCutoverInput(rig.env, {
    slotName: 'dms_slot',
    schema: 'shop',
    overrides: {
      thresholds: { maxLagBytes: 256 * 1024, maxLatencySeconds: 5, consecutivePolls: 3, pollSeconds: 1 },
      ...overrides,
    },
  });

function alertSubjects(): string[] {
  try {
    return readFileSync(rig.env.alertsPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).Subject as string);
  } catch {
    return [];
  }
}

async function sameRows(): Promise<boolean> {
  const comparison = await compareTables(rig.env.source, rig.env.target, TABLES);
  return comparison.every((t) => t.mismatches === 0);
}

function visited(result: Awaited<ReturnType<typeof runLocalCutover>>): string[] {
  return result.events.filter((e) => e.type === 'StateEntered').map((e) => e.stateName as string);
}

describe('cutover state machine (real ASL, real handlers, real PostgreSQL, local DMS engine)', () => {
  it('reaches a caught-up task under a concurrent workload, and the target ends equal to the source', async () => {
    const workload = await startWorkload(rig.env.source, 40);
    const stopAt = new Date(Date.now() + 9_000).toISOString().slice(0, 19);
    // server_time is the replication instance's clock: the task stops when that clock says so, whatever
    // it has not applied yet (which stays in the slot; the strict verification counts the source as of
    // the task's checkpoint). Equal tables at the end presuppose that the workload stopped and the task
    // applied all of it before the stop time, which no fixed margin guarantees on a busy machine (the
    // engine ran seconds behind there): the instance's clock stands just short of the stop time until then.
    let applied = false;
    rig.clock = () => (applied ? Date.now() : Math.min(Date.now(), Date.parse(`${stopAt}Z`) - 1));
    let finished = false;
    const run = runLocalCutover(rig.env, {
      input: input({ cdcStopPosition: `server_time:${stopAt}` }),
      timeScale: 0.1,
    }).finally(() => {
      finished = true;
    });
    await sleep(6_000);
    await workload.stop();
    while (!finished && !(await sameRows())) await sleep(100);
    applied = true;
    const appliedAt = Date.now();
    const result = await run;
    expect(result.error ?? null).toBeNull();
    expect(result.status).toBe('SUCCEEDED');
    // Each poll for the stop while the clock stood still took three transitions (wait, poll, choice).
    const heldPolls = result.events.filter(
      (e) => e.type === 'StateEntered' && e.stateName === 'PollStopped' && e.timestamp < appliedAt,
    ).length;
    expect(result.transitions - 3 * heldPolls).toBeLessThanOrEqual(100);
    const comparison = await compareTables(rig.env.source, rig.env.target, TABLES);
    expect(comparison.every((t) => t.mismatches === 0 && t.sourceRows > 0)).toBe(true);
    const output = result.output as {
      steps: { verify: { mismatchedTables: number }; sequences: { summary: Record<string, number> } };
      polls: { stopped: { stopReason: string } };
    };
    expect(output.steps.verify.mismatchedTables).toBe(0);
    expect(output.polls.stopped.stopReason).toBe('Stop Reason STOPPED_AT_SERVER_TIME');
    // DMS writes the source's keys and never calls nextval(): the identity sequences were set after the
    // stop, so the next key on the target is the one the source would hand out.
    expect(output.steps.sequences.summary).toEqual({
      sequences: 2,
      set: 2,
      inStep: 0,
      targetAhead: 0,
      notSynced: 0,
    });
    const positions = `SELECT last_value::text AS v, is_called FROM shop.customers_id_seq
                       UNION ALL SELECT last_value::text, is_called FROM shop.orders_id_seq`;
    expect(await rig.env.target.query(positions)).toEqual(await rig.env.source.query(positions));
    expect(alertSubjects().at(-1)).toMatch(/^\[SUCCEEDED\]|succeeded/i);
  });

  it('stop-when-quiet (the default): stops the task once quiet and verifies strictly while the source keeps changing', async () => {
    // The workload outlives the stop: verification must compare the target with the source as of the stop.
    const workload = await startWorkload(rig.env.source, 40);
    const result = await runLocalCutover(rig.env, { input: input(), timeScale: 0.1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await workload.stop();

    expect(result.error ?? null).toBeNull();
    expect(result.status).toBe('SUCCEEDED');
    const states = visited(result);
    const order = [
      'CheckCatchUp',
      'CheckQuiet',
      'StopTask',
      'PollStopped',
      'SyncSequences',
      'VerifyRowCounts',
      'NotifySuccess',
    ];
    const at = order.map((state) => states.indexOf(state));
    expect(at.every((i, n) => i >= 0 && (n === 0 || i > (at[n - 1] ?? -1)))).toBe(true);
    const output = result.output as {
      steps: { task: { taskArn: string }; verify: { mismatchedTables: number } };
    };
    const task = await rig.env.dms.describeTask(output.steps.task.taskArn);
    expect(task).toMatchObject({ status: 'stopped', stopReason: 'Stop Reason NORMAL' });
    expect(output.steps.verify.mismatchedTables).toBe(0);
    // Rows written after the stop are on the source only: the comparison above was like with like.
    const now = await compareTables(rig.env.source, rig.env.target, TABLES);
    expect(now.some((t) => t.sourceRows > t.targetRows)).toBe(true);
    const [slotBefore] = await rig.env.source.query<{ confirmed_flush_lsn: string }>(
      `SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
    );

    const rerun = await runLocalCutover(rig.env, { input: input(), timeScale: 0.1 });

    expect(rerun).toMatchObject({ status: 'FAILED', error: 'TaskRestartRefusedError' });
    expect(await rig.env.dms.describeTask(output.steps.task.taskArn)).toMatchObject({ status: 'stopped' });
    const [slotAfter] = await rig.env.source.query<{ confirmed_flush_lsn: string }>(
      `SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
    );
    expect(slotAfter).toEqual(slotBefore);
  });

  it('continuous: leaves the task running after catch-up and says so', async () => {
    const result = await runLocalCutover(rig.env, {
      input: input({ end: { mode: 'continuous' } }),
      timeScale: 0.1,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(visited(result)).toEqual(expect.arrayContaining(['CheckStillRunning', 'VerifyRowCounts']));
    expect(visited(result)).not.toContain('StopTask');
    const output = result.output as { steps: { task: { taskArn: string } } };
    expect(await rig.env.dms.describeTask(output.steps.task.taskArn)).toMatchObject({ status: 'running' });
    expect(await rig.env.dms.findTask(cdcTaskIdentifier(NAMES))).toMatchObject({
      arn: output.steps.task.taskArn,
    });
    expect(await rig.env.dms.findEndpoint(sourceEndpointIdentifier(NAMES))).toBeDefined();
    expect(alertSubjects().at(-1)).toMatch(/^\[SUCCEEDED\]/);
  });

  it('stops at preflight blockers and creates nothing', async () => {
    await rig.env.source.query('CREATE TABLE shop.no_key (note text)');
    await rig.env.target.query('CREATE TABLE shop.no_key (note text)');
    const result = await runLocalCutover(rig.env, { input: input(), timeScale: 0.1 });
    expect(result).toMatchObject({ status: 'FAILED', error: 'PreflightBlockersError' });
    expect(visited(result)).not.toContain('EnsureSlot');
    // Nothing under the names this input's endpoint and task get (the continuous run finds them there).
    expect(await rig.env.dms.findEndpoint(sourceEndpointIdentifier(NAMES))).toBeUndefined();
    expect(await rig.env.dms.findTask(cdcTaskIdentifier(NAMES))).toBeUndefined();
    expect(alertSubjects()).toHaveLength(1);
  });

  it('refuses a slot that another process holds, before creating a task', async () => {
    const holder = await holdSlot(rig.env.source, 'dms_slot', 'old-walsender');
    try {
      const result = await runLocalCutover(rig.env, { input: input(), timeScale: 0.1 });
      expect(result.status).toBe('FAILED');
      expect(visited(result)).not.toContain('StartTask');
      expect(`${result.error} ${result.cause}`).toMatch(
        /active for PID|slot\.inactive|PreflightBlockersError|SlotActiveError/,
      );
    } finally {
      await holder.release();
    }
  });

  it('waits for approval and goes on when it is approved', async () => {
    const result = await runLocalCutover(rig.env, {
      input: input({ approval: { required: true } }),
      timeScale: 0.1,
      onTaskToken: ({ token }, sfn) => void sfn.sendTaskSuccess(token, { approved: true, by: 'test' }),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { steps: { approval: unknown } }).steps.approval).toEqual({
      approved: true,
      by: 'test',
    });
  });

  it('ends failed and notified when the cutover is rejected', async () => {
    const result = await runLocalCutover(rig.env, {
      input: input({ approval: { required: true } }),
      timeScale: 0.1,
      onTaskToken: ({ token }, sfn) =>
        void sfn.sendTaskFailure(token, { error: 'CutoverRejected', cause: 'not tonight' }),
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'CutoverRejected' });
    expect(visited(result)).toContain('NotifyFailure');
  });

  it('retries a step that fails once, and succeeds', async () => {
    let failures = 0;
    const result = await runLocalCutover(rig.env, {
      input: input(),
      timeScale: 0.05,
      wrap: (name, handler) =>
        name === 'CreateSourceEndpointFunctionArn'
          ? (((event: never, context: never) => {
              if (failures === 0) {
                failures += 1;
                throw new DmsThrottledError('CreateEndpoint', 'Rate exceeded');
              }
              return handler(event, context);
            }) as typeof handler)
          : handler,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(
      result.events.some((e) => e.stateName === 'CreateSourceEndpoint' && e.error === 'DmsThrottledError'),
    ).toBe(true);
  });

  it('a second run with the same input creates nothing new', async () => {
    const continuous = input({ end: { mode: 'continuous' } });
    const first = await runLocalCutover(rig.env, { input: continuous, timeScale: 0.05 });
    expect(first.status).toBe('SUCCEEDED');
    const second = await runLocalCutover(rig.env, { input: continuous, timeScale: 0.05 });
    expect(second.status).toBe('SUCCEEDED');
    const steps = (second.output as { steps: Record<string, { created?: boolean; started?: boolean }> })
      .steps;
    expect(steps.endpoint?.created).toBe(false);
    expect(steps.task?.created).toBe(false);
    expect(steps.started?.started).toBe(false);
    // It continued the replicating task: the slot that task holds was not put through preflight again.
    expect(visited(second)).not.toContain('Preflight');
  });
});
