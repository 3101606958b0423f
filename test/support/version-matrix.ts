import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDms } from '../../src/adapters/local/dms/engine.js';
import { buildPgSourceDb } from '../../src/adapters/pg/slots.js';
import { DMS_POSTGRESQL_SOURCES } from '../../src/core/preflight/dms-source-versions.js';
import { decideRecovery } from '../../src/core/recovery/decide.js';
import { DEMO_SCHEMA_SQL, DEMO_TRANSACTION_SQL } from '../../src/local/demo-schema.js';
import { taskCrashMidStream } from '../../src/local/recovery/scenarios.js';
import { serversPerTest } from '../e2e/recover-support.js';
import { runCli } from './cli.js';
import { confirmedFlushLsn, localCdcTask, localSourceEndpoint } from './local-dms.js';
import { type PgMajor, type PgNode, primaryForFile } from './pg.js';
import { diffTables, waitForConvergence, waitForStatus } from './replication.js';

const INSTANCE = 'arn:aws:dms:local:000000000000:rep:MATRIX';

function cli(argv: string[]) {
  return runCli(argv);
}

/** Columns pg_replication_slots has on this server, to say what each major must report. */
async function slotColumns(node: PgNode): Promise<Set<string>> {
  const rows = await node.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = 'pg_catalog.pg_replication_slots'::regclass AND attnum > 0 AND NOT attisdropped`,
  );
  return new Set(rows.map((r) => r.name));
}

/**
 * The version matrix: the same paths on one PostgreSQL major from npm (12-18). Every catalog query
 * must run there, whatever columns the major has: preflight, slot create/inspect/cleanup, health,
 * the local DMS engine (start, resume, a restart that recreates the slot) and one recovery.
 */
export function versionMatrix(major: PgMajor): void {
  describe(`PostgreSQL ${major}`, () => {
    let source: PgNode;
    let target: PgNode;
    let columns: Set<string>;
    const dms = new LocalDms();
    afterAll(() => dms.shutdown());
    /** dms-cdc <command> against this major's source, with these flags. */
    const onSource = (command: string[], ...flags: string[]) =>
      cli([...command, '--source', source.url(), ...flags]);

    beforeAll(async () => {
      [source, target] = await Promise.all([
        primaryForFile({ name: `pg${major}-src`, major }),
        primaryForFile({ name: `pg${major}-tgt`, major }),
      ]);
      await Promise.all([source.query(DEMO_SCHEMA_SQL), target.query(DEMO_SCHEMA_SQL)]);
      columns = await slotColumns(source);
    });

    const write = async (from: number, to: number) => {
      for (let i = from; i <= to; i += 1) await source.query(DEMO_TRANSACTION_SQL, [i]);
    };

    it(`runs PostgreSQL ${major} (server_version_num)`, async () => {
      const [row] = await source.query<{ v: number }>(
        `SELECT current_setting('server_version_num')::int AS v`,
      );
      expect(Math.floor((row?.v ?? 0) / 10_000)).toBe(major);
    });

    it('preflight: every check runs and the server passes', async () => {
      const { status, stdout, stderr } = await onSource(
        ['preflight'],
        '--slot',
        'dms_slot',
        '--create-slot',
        '--json',
      );
      expect(stderr).toBe('');
      const report = JSON.parse(stdout) as { findings: { id: string; severity: string }[] };
      const blockers = report.findings.filter((f) => f.severity === 'blocker').map((f) => f.id);
      expect(blockers).toEqual(expectedPreflightBlockers(major));
      expect(status).toBe(blockers.length > 0 ? 1 : 0);
    });

    const needed = DMS_POSTGRESQL_SOURCES.minimumEngine[major];
    if (needed) {
      it(`preflight --dms-version ${justBelow(needed)}: a blocker naming DMS ${needed}`, async () => {
        const { status, stdout } = await onSource(
          ['preflight'],
          '--dms-version',
          justBelow(needed),
          '--json',
        );
        expect(status).toBe(1);
        const report = JSON.parse(stdout) as { findings: { id: string; severity: string; title: string }[] };
        expect(report.findings.filter((f) => f.severity === 'blocker')).toEqual([
          expect.objectContaining({
            id: 'server.version-supported',
            title: `PostgreSQL ${major} needs DMS engine ${needed} or later; --dms-version ${justBelow(needed)}`,
          }),
        ]);
        expect((await onSource(['preflight'], '--dms-version', needed)).status).toBe(0);
      });
    }

    it('slot create, inspect (one and --all), health and cleanup', async () => {
      const created = await onSource(['slot', 'create'], '--slot', 'dms_slot', '--json');
      expect(created.stderr).toBe('');
      expect(created.status).toBe(0);
      await write(1, 3);

      const inspected = await onSource(['slot', 'inspect'], '--slot', 'dms_slot', '--json');
      expect(inspected.stderr).toBe('');
      expect(inspected.status).toBe(0);
      const report = JSON.parse(inspected.stdout);
      expect(report).toMatchObject({ slotName: 'dms_slot', plugin: 'test_decoding', active: false });
      expect(report.lagBytes).toBeGreaterThan(0);
      // What a major lacks is reported as unknown, never guessed.
      expect(report.walStatus).toBe(columns.has('wal_status') ? 'reserved' : null);
      expect(report.twoPhase).toBe(columns.has('two_phase') ? false : null);
      expect(report.failover).toBe(columns.has('failover') ? false : null);
      const all = await onSource(['slot', 'inspect'], '--all');
      expect(all.status).toBe(0);
      expect(all.stdout).toMatch(/dms_slot\s+logical\s+test_decoding/);

      const health = await onSource(['health'], '--json');
      expect(health.stderr).toBe('');
      expect(health.status).toBe(0);
      const slots = JSON.parse(health.stdout).slots as { slot: string; state: string; walStatus: unknown }[];
      expect(slots).toEqual([
        expect.objectContaining({
          slot: 'dms_slot',
          state: 'OK',
          walStatus: columns.has('wal_status') ? 'reserved' : null,
        }),
      ]);

      // --failover where pg_create_logical_replication_slot has the argument (17+), refused by name before.
      const failover = await onSource(['slot', 'create'], '--slot', 'failover_slot', '--failover', '--json');
      const [signature] = await source.query<{ has: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'pg_create_logical_replication_slot'
                          AND 'failover' = ANY (proargnames)) AS has`,
      );
      if (signature?.has) {
        expect(failover.status).toBe(0);
        await source.query(`SELECT pg_drop_replication_slot('failover_slot')`);
      } else {
        expect(failover.status).not.toBe(0);
        expect(failover.stderr).toContain('failover slots need PostgreSQL 17 or later');
      }

      const cleanup = await onSource(['slot', 'cleanup'], '--drop-slot', 'dms_slot', '--json');
      expect(cleanup.stderr).toBe('');
      expect(cleanup.status).toBe(0);
      expect(await source.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = 'dms_slot'`)).toEqual(
        [],
      );
    });

    it('local DMS engine: start at confirmed_flush_lsn, resume after a stop, a restart recreates the slot', async () => {
      // The slot test's rows are not this task's: it starts from empty tables and a new slot.
      await source.query('TRUNCATE shop.orders, shop.customers');
      await source.query(`SELECT pg_create_logical_replication_slot('engine_slot', 'test_decoding')`);
      const src = await localSourceEndpoint(dms, `src-${major}`, source, 'engine_slot');
      const tgt = dms.registerTargetEndpoint(`tgt-${major}`, target.url());
      const startAt = await confirmedFlushLsn(source, 'engine_slot');
      if (!startAt) throw new Error('engine_slot has no confirmed_flush_lsn');
      const { arn } = await dms.createCdcTask(
        localCdcTask({
          identifier: `task-${major}`,
          replicationInstanceArn: INSTANCE,
          sourceEndpointArn: src.arn,
          targetEndpointArn: tgt.arn,
          cdcStartPosition: startAt,
        }),
      );
      await waitForStatus(dms, arn, ['ready']);
      await dms.startTask(arn, 'start-replication');
      await waitForStatus(dms, arn, ['running']);
      await write(4, 8);
      await waitForConvergence(source, target);

      await dms.stopTask(arn);
      await waitForStatus(dms, arn, ['stopped']);
      await write(9, 12); // while stopped: the slot holds these for the resume
      await dms.startTask(arn, 'resume-processing');
      await waitForStatus(dms, arn, ['running']);
      await write(13, 14);
      expect(
        (await waitForConvergence(source, target)).flatMap((d) => [...d.missingOnTarget, ...d.extraOnTarget]),
      ).toEqual([]);

      await dms.stopTask(arn);
      await waitForStatus(dms, arn, ['stopped']);
      const [before] = await source.query<{ lsn: string }>(
        `SELECT restart_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'engine_slot'`,
      );
      await write(15, 16); // held by the slot until a restart drops it, as DMS does
      await dms.startTask(arn, 'start-replication');
      await waitForStatus(dms, arn, ['running']);
      await write(17, 17);
      await expect
        .poll(
          async () =>
            (await target.query(`SELECT 1 FROM shop.customers WHERE email = 'customer17@example.com'`))
              .length,
          {
            timeout: 15_000,
          },
        )
        .toBe(1);
      const diffs = await diffTables(source, target);
      expect(diffs[0]?.missingOnTarget.map((r) => JSON.parse(r).email)).toEqual([
        'customer15@example.com',
        'customer16@example.com',
      ]);
      const [after] = await source.query<{ lsn: string }>(
        `SELECT restart_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'engine_slot'`,
      );
      expect(after?.lsn).not.toBe(before?.lsn);
      await dms.stopTask(arn);
      await waitForStatus(dms, arn, ['stopped']);
    });

    it('idle_replication_slot_timeout where the server has it (18+): health shows the time left, preflight warns, PostgreSQL invalidates the idle slot (idle_timeout), recovery names the reason', async () => {
      await source.query(`SELECT pg_create_logical_replication_slot('idle_slot', 'test_decoding')`);
      const client = await source.connect();
      const [parameter] = await source.query(
        `SELECT 1 FROM pg_settings WHERE name = 'idle_replication_slot_timeout'`,
      );
      try {
        const db = buildPgSourceDb(client);
        const idleSlotHealth = async () => {
          const health = await onSource(['health'], '--json');
          const slots = JSON.parse(health.stdout).slots as {
            slot: string;
            idleTimeoutLeftSeconds?: number;
          }[];
          return slots.find((x) => x.slot === 'idle_slot');
        };
        if (!parameter) {
          // Nothing invalidates an idle slot here; the reason column is absent before 17 and NULL after.
          expect((await db.readSlot('idle_slot'))?.slot.invalidationReason).toBeNull();
          expect(await idleSlotHealth()).not.toHaveProperty('idleTimeoutLeftSeconds');
          return;
        }
        await source.query(`ALTER SYSTEM SET idle_replication_slot_timeout = '3600s'`);
        await source.query('SELECT pg_reload_conf()');
        // Health says how long the idle slot has left (inactive_since counts on the server's clock).
        const left = (await idleSlotHealth())?.idleTimeoutLeftSeconds;
        expect(left).toBeGreaterThan(3500);
        expect(left).toBeLessThanOrEqual(3600);
        const table = await onSource(['health']);
        expect(table.stdout).toMatch(/^idle_slot\s.*\(invalidated in /m);
        const preflight = await onSource(['preflight'], '--json');
        const report = JSON.parse(preflight.stdout) as { findings: { id: string; severity: string }[] };
        expect(report.findings.filter((f) => f.id === 'server.idle-replication-slot-timeout')).toEqual([
          expect.objectContaining({ severity: 'warning' }),
        ]);
        await source.query(`ALTER SYSTEM SET idle_replication_slot_timeout = '1s'`);
        await source.query('SELECT pg_reload_conf()');
        // Invalidation happens at a checkpoint once the slot has been idle longer than the timeout.
        await expect
          .poll(
            async () => {
              await source.query('CHECKPOINT');
              return (await db.readSlot('idle_slot'))?.slot.invalidationReason;
            },
            { timeout: 15_000, interval: 500 },
          )
          .toBe('idle_timeout');
        const observed = await db.readSlot('idle_slot');
        const decision = decideRecovery({
          task: {
            status: 'stopped',
            stopReason: 'Stop Reason NORMAL',
            lastFailureMessage: undefined,
            checkpointLsn: observed?.slot.confirmedFlushLsn ?? null,
            resumable: true,
          },
          slot: {
            slot: observed?.slot,
            serverLsn: (await db.readServerPosition()).serverLsn,
            previousConfirmedFlushLsn: null,
          },
          failoverJustHappened: false,
          lastKnownGoodLsn: null,
          policy: { terminateStaleBackend: false },
        });
        expect(decision.kind).toBe('DATA_GAP');
        expect(decision.reason).toContain('invalidation_reason idle_timeout');
      } finally {
        await client.end();
        if (parameter) {
          await source.query('ALTER SYSTEM RESET idle_replication_slot_timeout');
          await source.query('SELECT pg_reload_conf()');
        }
        await source.query(`SELECT pg_drop_replication_slot('idle_slot')`);
      }
    });

    describe('recovery', () => {
      const servers = serversPerTest();
      it('a task failed mid-stream (RECOVERABLE_ERROR) is resumed: nothing lost or duplicated', async () => {
        const run = await taskCrashMidStream({
          servers: {
            primary: (options) => servers.primary({ ...options, major }),
            standby: (primary, options) => servers.standby(primary, options),
          },
        });
        const why = JSON.stringify({
          error: run.error,
          decisions: run.decisions,
          states: run.states,
          notifications: run.notifications,
          facts: run.facts,
        });
        expect(run, why).toMatchObject({
          decision: 'RESUME',
          status: 'SUCCEEDED',
          mismatches: 0,
          rowsLost: 0,
          rowsExtra: 0,
        });
      });
    });
  });
}

/** What DMS itself refuses: PostgreSQL 18 (no engine reads it yet); the newest engine reads 12-17. */
function expectedPreflightBlockers(major: PgMajor): string[] {
  return DMS_POSTGRESQL_SOURCES.minimumEngine[major] === undefined ? ['server.version-supported'] : [];
}

/** The engine version just below the one a major needs: 3.5.3 -> 3.5.2, 3.6.1 -> 3.6.0. */
function justBelow(version: string): string {
  const parts = version.split('.').map(Number);
  const last = parts.length - 1;
  parts[last] = (parts[last] ?? 0) - 1;
  return parts.join('.');
}
