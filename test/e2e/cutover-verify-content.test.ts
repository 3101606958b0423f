import { describe, expect, it } from 'vitest';
import { connectPg } from '../../src/adapters/pg/client.js';
import { verifyOverPg } from '../../src/adapters/pg/verify/index.js';
import { parseTableMappings } from '../../src/core/preflight/table-mappings.js';
import { REPAIR_FOOTER, repairHeader } from '../../src/core/verify/repair.js';
import { localCutoverHandlers } from '../../src/local/cutover/handlers.js';
import { localCutoverInput, runLocalCutover } from '../../src/local/cutover/run.js';
import { cutoverEnvironmentPerTest } from '../support/cutover-environment.js';

/**
 * The cutover machine's strict verification compares rows, not only counts: a target that holds the
 * right number of rows with one of them wrong fails the cutover naming the table and the key, and the
 * repair SQL of dms-cdc verify makes the verification pass. The real ASL, handlers and PostgreSQL.
 */
const rig = cutoverEnvironmentPerTest(async (env) => {
  // The full load, done before the slot exists: the same five customers on both sides.
  const load = `INSERT INTO shop.customers (id, email, name, created_at) OVERRIDING SYSTEM VALUE
                  SELECT g, 'c' || g || '@example.com', 'Customer ' || g, '2026-01-01 00:00+00'
                    FROM generate_series(1, 5) g;
                SELECT setval('shop.customers_id_seq', 5)`;
  await Promise.all([env.source.query(load), env.target.query(load)]);
  await env.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
});

const input = () =>
  localCutoverInput(rig.env, {
    slotName: 'dms_slot',
    schema: 'shop',
    overrides: {
      thresholds: { maxLagBytes: 256 * 1024, maxLatencySeconds: 5, consecutivePolls: 3, pollSeconds: 1 },
    },
  });

describe('cutover strict verification by content', () => {
  it('fails on a planted difference naming table and key, and passes once the repair SQL ran', async () => {
    await rig.env.target.query(`UPDATE shop.customers SET name = 'tampered' WHERE id = 2`);

    const result = await runLocalCutover(rig.env, { input: input(), timeScale: 0.1 });

    expect(result).toMatchObject({ status: 'FAILED', error: 'ContentMismatchError' });
    expect(result.cause).toContain(
      '1 table differs in content between source and target after the task stopped: shop.customers (1 changed: (id=2) [name])',
    );
    const states = result.events.filter((e) => e.type === 'StateEntered').map((e) => e.stateName);
    expect(states.slice(-3)).toEqual(['VerifyRowCounts', 'NotifyFailure', 'CutoverFailed']);

    const statements: string[] = [];
    const plan = input() as { tableMappings: unknown };
    await verifyOverPg(connectPg, {
      source: rig.env.source.connectionConfig(),
      target: rig.env.target.connectionConfig(),
      tableMappings: parseTableMappings(plan.tableMappings),
      repair: (statement) => {
        statements.push(statement);
      },
    });
    expect(statements).toHaveLength(1);
    await rig.env.target.query([repairHeader('source'), ...statements, REPAIR_FOOTER].join('\n'));

    // The verification step again, as the machine ran it, on the stopped task.
    const created = result.events.find((e) => e.type === 'StateExited' && e.stateName === 'CreateCdcTask');
    const taskArn = (created?.output as { steps?: { task?: { taskArn?: string } } } | undefined)?.steps?.task
      ?.taskArn;
    const verify = localCutoverHandlers(rig.env).VerifyRowCountsFunctionArn as unknown as (
      event: unknown,
      context: unknown,
    ) => Promise<{ mismatchedTables: number; content: unknown }>;
    const rerun = await verify(
      {
        source: { secretArn: rig.env.sourceSecretArn, database: 'postgres' },
        target: { secretArn: rig.env.targetSecretArn, database: 'postgres' },
        tableMappings: plan.tableMappings,
        strict: true,
        taskArn,
        slotName: 'dms_slot',
      },
      { getRemainingTimeInMillis: () => 30_000, functionName: 'verify', awsRequestId: 'e2e' },
    );
    expect(rerun.mismatchedTables).toBe(0);
    expect(rerun.content).toMatchObject({ compared: true, differing: [], tables: 2 });
  });
});
