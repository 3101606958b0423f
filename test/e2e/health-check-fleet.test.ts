import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../src/core/health/fleet.js';
import { runStateMachine } from '../../src/local/stepfunctions/index.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import {
  buildFleet,
  type Fleet,
  fleetTasks,
  largestPayload,
  STATE_PAYLOAD_LIMIT,
} from './health-check-fleet.js';

/**
 * The fleet shape of bench/fleet.bench.ts (npm run bench:fleet: 1,000 sources, 50 unreachable) at a
 * size npm test can afford: 110 databases over 3 servers, 5 sources whose port refuses and 5 whose
 * port accepts and never answers, through the real machine and the real handler.
 */
const DEFINITION = fileURLToPath(new URL('../../statemachines/health-check.asl.json', import.meta.url));

let nodes: PgNode[];
let fleet: Fleet;
let dir: string;

beforeAll(async () => {
  nodes = await Promise.all(
    [0, 1, 2].map((n) => primaryForFile({ name: `health-fleet-${n}`, settings: { max_connections: 100 } })),
  );
  fleet = await buildFleet({ nodes, reachable: 110, refused: 5, blackHoled: 5 });
  dir = await mkdtemp(path.join(tmpdir(), 'dms-cdc-health-fleet-'));
}, 240_000);
afterAll(async () => {
  await fleet?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('health-check machine over a fleet', () => {
  it('checks 120 sources in batches: counts and the failures travel, each state stays far under 256 KiB', async () => {
    const run = fleetTasks(fleet, path.join(dir, 'fleet.jsonl'));
    const result = await runStateMachine({
      definitionPath: DEFINITION,
      tasks: run.tasks,
      input: fleet.config,
    });

    expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const summary = result.output as RunSummary;
    expect(summary).toMatchObject({ sources: 120, batches: 5, ok: 110, warning: 0, critical: 0, failed: 10 });
    expect(summary.failures).toHaveLength(10);
    expect(summary.failuresOmitted).toBe(0);
    for (const failure of summary.failures) {
      expect(failure).toEqual({
        source: expect.stringMatching(/^(refused|blackholed)-\d{4}$/),
        error: 'SourceUnreachableError',
        cause: expect.stringMatching(/^cannot reach postgres@127\.0\.0\.1:\d+\/postgres/),
      });
      expect(failure.cause.length).toBeLessThanOrEqual(160);
    }
    expect(summary.failures.filter((f) => /timeout/i.test(f.cause))).toHaveLength(5);
    expect(run.measured).toHaveLength(110);
    expect(run.unreachable.sort()).toEqual(summary.failures.map((f) => f.source).sort());

    const largest = largestPayload(result.events);
    expect(largest.bytes).toBeLessThan(STATE_PAYLOAD_LIMIT);
    // Past the planning step no state carries sources or their results: only batch summaries.
    const summarize = result.events.find((e) => e.type === 'StateEntered' && e.stateName === 'Summarize');
    expect(JSON.stringify(summarize?.input)).not.toContain('reachable-');
    const batchOutputs = result.events.filter(
      (e) => e.type === 'StateExited' && e.stateName === 'CheckBatch',
    );
    expect(batchOutputs).toHaveLength(5);
    for (const e of batchOutputs) expect(Object.keys(e.output as object).sort()).toEqual(BATCH_KEYS);
  });

  it('a batch past its deadline returns what it has: every unfinished source counts failed, the run still ends', async () => {
    const silent = {
      sources: fleet.config.sources.filter((s) => s.name.startsWith('blackholed-')),
    };
    const sink = path.join(dir, 'deadline.jsonl');
    const run = fleetTasks(fleet, sink, {
      batchDeadlineMs: 1000,
      env: { SOURCE_TLS: 'disable', HEALTH_CHECK_BATCH_CONCURRENCY: '2' },
    });
    const result = await runStateMachine({ definitionPath: DEFINITION, tasks: run.tasks, input: silent });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ sources: 5, ok: 0, failed: 5, failuresOmitted: 0 });
    const failures = (result.output as RunSummary).failures;
    expect(failures.map((f) => [f.error, f.cause])).toEqual([
      ['HealthCheckDeadlineError', 'still running when the 1 s budget of its batch ran out'],
      ['HealthCheckDeadlineError', 'still running when the 1 s budget of its batch ran out'],
      ['HealthCheckDeadlineError', 'not started: the 1 s budget of its batch ran out'],
      ['HealthCheckDeadlineError', 'not started: the 1 s budget of its batch ran out'],
      ['HealthCheckDeadlineError', 'not started: the 1 s budget of its batch ran out'],
    ]);
    // The two checks the deadline left behind still end (at the connect timeout) and alert.
    await vi.waitFor(async () => expect(await alerts(sink)).toBe(2), { timeout: 30_000, interval: 200 });
  });
});

async function alerts(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).length;
}

const BATCH_KEYS = ['batch', 'critical', 'failed', 'failures', 'failuresOmitted', 'ok', 'sources', 'warning'];
