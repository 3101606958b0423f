import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareTables } from '../../src/local/cutover/compare.js';
import { createLocalEnvironment, type LocalCutoverEnvironment } from '../../src/local/cutover/environment.js';
import { localCutoverInput, runLocalCutover } from '../../src/local/cutover/run.js';
import { startWorkload, type Workload } from '../../src/local/cutover/workload.js';
import type { TaskHandler } from '../../src/local/stepfunctions/lambda.js';
import { primaryForFile } from '../support/pg.js';

/**
 * `slot.create: true` on a source without the slot: preflight must not block on the slot EnsureSlot is
 * about to create, and the cutover then streams from the new slot.
 */

const TABLES = ['shop.customers', 'shop.orders'];
const SLOT = 'dms_created_slot';
let env: LocalCutoverEnvironment;

beforeEach(async () => {
  const [source, target] = await Promise.all([
    primaryForFile({ name: 'src' }),
    primaryForFile({ name: 'tgt' }),
  ]);
  env = await createLocalEnvironment({ source, target, demoSchema: true });
});

afterEach(async () => {
  await env.dms.shutdown();
});

describe('cutover with slot.create on a source that has no slot yet', () => {
  it('passes preflight with an info finding, creates the slot, and replicates what is written after it', async () => {
    const stopAt = new Date(Date.now() + 10_000);
    let workload: Workload | undefined;
    // Writes start once the slot exists: a new slot streams only what comes after its creation.
    const wrap = (name: string, handler: TaskHandler): TaskHandler =>
      name !== 'EnsureSlotFunctionArn'
        ? handler
        : async (event, context) => {
            const result = await handler(event, context);
            workload ??= await startWorkload(env.source, 40);
            setTimeout(() => void workload?.stop(), 4_000);
            return result;
          };

    const result = await runLocalCutover(env, {
      input: localCutoverInput(env, {
        slotName: SLOT,
        schema: 'shop',
        overrides: {
          slot: { name: SLOT, plugin: 'test-decoding', create: true },
          thresholds: { maxLagBytes: 256 * 1024, maxLatencySeconds: 5, consecutivePolls: 3, pollSeconds: 1 },
          cdcStopPosition: `server_time:${stopAt.toISOString().slice(0, 19)}`,
        },
      }),
      timeScale: 0.1,
      wrap,
    });
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
    const comparison = await compareTables(env.source, env.target, TABLES);
    expect(comparison.every((t) => t.mismatches === 0 && t.sourceRows > 0)).toBe(true);
  });
});
