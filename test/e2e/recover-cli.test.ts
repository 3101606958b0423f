import { beforeAll, describe, expect, it } from 'vitest';
import { holdSlot } from '../../src/local/recovery/rig.js';
import { runCli } from '../support/cli.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

let source: PgNode;
let confirmed: string;
let restart: string;

beforeAll(async () => {
  source = await primaryForFile({ name: 'recover-cli' });
  await source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  await source.query('CREATE TABLE t (id int PRIMARY KEY)');
  await source.query('INSERT INTO t SELECT generate_series(1, 100)');
  const [row] = await source.query<{ confirmed: string; restart: string }>(
    `SELECT confirmed_flush_lsn::text AS confirmed, restart_lsn::text AS restart
       FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
  );
  confirmed = row?.confirmed ?? '';
  restart = row?.restart ?? '';
});

function run(argv: string[]) {
  return runCli(argv);
}

const decide = (...flags: string[]) => run(['recover', 'decide', '--source', source.url(), ...flags]);
/** The decision for a task in `taskStatus` reading `slot`; decideFailed: a failed one on dms_slot, DMS's stop reason as given. */
const decideOn = (slot: string, taskStatus: string, ...flags: string[]) =>
  decide('--slot', slot, '--task-status', taskStatus, ...flags);
const decideFailed = (stopReason: string, ...flags: string[]) =>
  decideOn('dms_slot', 'failed', '--stop-reason', stopReason, ...flags);

describe('dms-cdc recover decide (a dry run against a real PostgreSQL 17 source)', () => {
  it('RESUME for a failed task whose checkpoint the slot still holds, with what the machine would do', async () => {
    const result = await decideFailed('RECOVERABLE_ERROR', '--checkpoint', confirmed);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('decision: RESUME');
    expect(result.stdout).toContain(`checkpoint ${confirmed}`);
    expect(result.stdout).toContain(`restart ${restart}`);
    expect(result.stdout).toContain('resume-processing (never start-replication)');
  });

  it('DATA_GAP (exit 1) for a slot that does not exist, from the checkpoint to the server position, as JSON', async () => {
    const result = await decideOn('lost_slot', 'failed', '--checkpoint', confirmed, '--failover', '--json');
    const [row] = await source.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');

    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      slot: 'lost_slot',
      decision: { kind: 'DATA_GAP', atRisk: { from: confirmed } },
    });
    expect(report.decision.atRisk.to).toBe(row?.lsn);
    expect(report.source).toMatch(/^postgres@127\.0\.0\.1:\d+\/postgres/);
  });

  it('WAIT_FOR_SLOT naming the PID that holds the slot, and what the policy changes', async () => {
    const holder = await holdSlot(source, 'dms_slot', 'stale-walsender');
    try {
      const forbidden = await decideOn('dms_slot', 'stopped', '--checkpoint', confirmed);
      const allowed = await decideOn(
        'dms_slot',
        'stopped',
        '--checkpoint',
        confirmed,
        '--terminate-stale-backend',
      );

      expect(forbidden.status).toBe(0);
      expect(forbidden.stdout).toContain(`active for PID ${holder.pid} (stale-walsender)`);
      expect(forbidden.stdout).toContain('then escalate');
      expect(allowed.stdout).toContain(`then terminate it and resume`);
    } finally {
      await holder.release();
    }
  });

  it('takes --stop-reason whole as DMS prints it: a FATAL_ERROR is a new task, its message quoted', async () => {
    const result = await decideFailed(
      'Last Error  ODBC general error. Task error notification received from subtask 0, thread 0 Stop Reason FATAL_ERROR Error Level FATAL',
      '--checkpoint',
      confirmed,
    );

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('decision: NEW_TASK_FROM_SLOT');
    expect(result.stdout).toContain(
      'The task failed with FATAL_ERROR (ODBC general error. Task error notification received from subtask 0, thread 0)',
    );
  });

  it('takes the whole text of a recoverable failure and resumes; refuses a text that names no code', async () => {
    const recoverable = await decideFailed(
      'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
      '--checkpoint',
      confirmed,
    );
    const unknown = await decideFailed('Last Error  x');

    expect(recoverable.stdout).toContain('decision: RESUME');
    expect(recoverable.stdout).toContain('The task is failed (RECOVERABLE_ERROR)');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--stop-reason must name one of');
  });

  it('NEW_TASK_FROM_SLOT for a deleted task, at the slot confirmed_flush_lsn', async () => {
    const result = await decide('--slot', 'dms_slot', '--task-gone');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('decision: NEW_TASK_FROM_SLOT');
    expect(result.stdout).toContain(`create a new CDC task at ${confirmed}`);
  });
});
