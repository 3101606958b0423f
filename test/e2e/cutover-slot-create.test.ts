import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { compareTables } from '../../src/local/cutover/compare.js';
import { localCutoverInput, runLocalCutover } from '../../src/local/cutover/run.js';
import { startWorkload, type Workload } from '../../src/local/cutover/workload.js';
import type { TaskHandler } from '../../src/local/stepfunctions/lambda.js';
import { cutoverEnvironmentPerTest } from '../support/cutover-environment.js';

/**
 * `slot.create: true` on a source without the slot: preflight must not block on the slot EnsureSlot is
 * about to create, and the cutover then streams from the new slot.
 */

const TABLES = ['shop.customers', 'shop.orders'];
const SLOT = 'dms_created_slot';
const rig = cutoverEnvironmentPerTest();

describe('cutover with slot.create on a source that has no slot yet', () => {
  it('passes preflight with an info finding, creates the slot, and replicates what is written after it', async () => {
    const stopAt = new Date(Date.now() + 10_000).toISOString().slice(0, 19);
    // server_time stops by the instance's clock whatever the task has not applied yet; equal tables at
    // the end need the workload stopped and applied first, which no fixed margin guarantees on a busy
    // machine: the instance's clock stands just short of the stop time until then.
    let applied = false;
    rig.clock = () => (applied ? Date.now() : Math.min(Date.now(), Date.parse(`${stopAt}Z`) - 1));
    let workload: Workload | undefined;
    let workloadStopped: Promise<void> | undefined;
    // Writes start once the slot exists: a new slot streams only what comes after its creation.
    const wrap = (name: string, handler: TaskHandler): TaskHandler =>
      name !== 'EnsureSlotFunctionArn'
        ? handler
        : async (event, context) => {
            const result = await handler(event, context);
            workload ??= await startWorkload(rig.env.source, 40);
            workloadStopped ??= sleep(4_000).then(() => workload?.stop());
            return result;
          };

    let finished = false;
    const run = runLocalCutover(rig.env, {
      input: localCutoverInput(rig.env, {
        slotName: SLOT,
        schema: 'shop',
        overrides: {
          slot: { name: SLOT, plugin: 'test-decoding', create: true },
          thresholds: { maxLagBytes: 256 * 1024, maxLatencySeconds: 5, consecutivePolls: 3, pollSeconds: 1 },
          cdcStopPosition: `server_time:${stopAt}`,
        },
      }),
      timeScale: 0.1,
      wrap,
    }).finally(() => {
      finished = true;
    });
    const sameRows = async () =>
      (await compareTables(rig.env.source, rig.env.target, TABLES)).every((t) => t.mismatches === 0);
    while (!finished && workloadStopped === undefined) await sleep(100);
    await workloadStopped;
    while (!finished && !(await sameRows())) await sleep(100);
    applied = true;
    const result = await run;
    await workload?.stop();

    expect(`${result.error ?? ''} ${result.cause ?? ''}`.trim()).toBe('');
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as {
      steps: {
        preflight: { summary: { blockers: number }; findings: { id: string; severity: string }[] };
        slot: { created: boolean };
      };
    };
    expect(output.steps.preflight.summary.blockers).toBe(0);
    expect(output.steps.preflight.findings.filter((f) => f.id === 'slot.exists')).toEqual([
      expect.objectContaining({ severity: 'info' }),
    ]);
    expect(output.steps.slot.created).toBe(true);
    expect(workload).toBeDefined();
    const comparison = await compareTables(rig.env.source, rig.env.target, TABLES);
    expect(comparison.every((t) => t.mismatches === 0 && t.sourceRows > 0)).toBe(true);
  });
});
