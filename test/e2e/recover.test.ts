import { describe, expect, it } from 'vitest';
import {
  fatalTaskFailure,
  slotInvalidated,
  sourceUnreachable,
  staleSlotHolder,
  taskCrashMidStream,
} from '../../src/local/recovery/scenarios.js';
import { serversPerTest } from './recover-support.js';

const servers = serversPerTest();

interface Decided {
  decision: {
    kind: string;
    reason: string;
    lsns: Record<string, string>;
    atRisk: { from: string; to: string } | null;
  };
  slot: { walStatus: string | null } | null;
  source: { serverLsn: string };
}

const decidedOf = (run: { decided: unknown }) => run.decided as Decided;

describe('recover machine (real PostgreSQL 17, local DMS engine, real ASL and handlers)', () => {
  it('a task failed with RECOVERABLE_ERROR mid-stream is resumed: nothing lost or duplicated', async () => {
    const run = await taskCrashMidStream({ servers });

    // As DMS writes a failure: the code sits after the message.
    expect(run.facts.stopReason).toMatch(
      /^Last Error .+ Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE$/s,
    );
    expect(run).toMatchObject({ decision: 'RESUME', status: 'SUCCEEDED' });
    expect(run.states).toEqual(
      expect.arrayContaining(['Resume', 'PollRunning', 'CheckSlotAdvance', 'NotifyRecovered']),
    );
    expect(run.facts.transactions).toBeGreaterThan(15);
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
  });

  it('a stale walsender: WAIT_FOR_SLOT, then with the policy it is terminated and the task resumed', async () => {
    const run = await staleSlotHolder(true)({ servers });

    expect(run).toMatchObject({ decision: 'WAIT_FOR_SLOT', status: 'SUCCEEDED' });
    expect(run.decisions.at(-1)).toBe('RESUME');
    expect(run.decisions.slice(0, -1).every((d) => d === 'WAIT_FOR_SLOT')).toBe(true);
    const order = ['NotifyWaiting', 'TerminateHolder', 'NotifyTerminated', 'Resume', 'NotifyRecovered'];
    const positions = order.map((state) => run.states.indexOf(state));
    expect(positions.every((at, i) => at >= 0 && (i === 0 || at > (positions[i - 1] ?? -1)))).toBe(true);
    expect(run.states.filter((s) => s === 'TerminateHolder')).toHaveLength(1);
    expect(run.facts.holderAliveAfterFirstRun).toBe(false);
    expect(run.notifications.map((n) => n.severity)).toEqual(['WARNING', 'WARNING', 'INFO']);
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
  });

  it('a stale walsender without the policy: escalated after the bounded wait, never terminated; a re-run after a person ends it resumes', async () => {
    const run = await staleSlotHolder(false)({ servers });

    expect(run).toMatchObject({ decision: 'WAIT_FOR_SLOT', status: 'FAILED', error: 'RecoveryEscalated' });
    expect(run.states).not.toContain('TerminateHolder');
    expect(run.states.slice(-2)).toEqual(['NotifyEscalate', 'Escalated']);
    expect(run.facts.holderAliveAfterFirstRun).toBe(true);
    expect(run.notifications[1]).toEqual({
      subject: '[RECOVERY ESCALATED] slot dms_slot: a person must decide (WAIT_FOR_SLOT)',
      severity: 'CRITICAL',
    });
    expect(run.facts).toMatchObject({ rerunStatus: 'SUCCEEDED', rerunDecisions: ['RESUME'] });
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
  });

  it('a slot invalidated by max_slot_wal_keep_size while the task is stopped: DATA_GAP, the task left stopped', async () => {
    const run = await slotInvalidated({ servers });
    const decided = decidedOf(run);

    expect(run.facts.walStatus).toBe('lost');
    expect(run).toMatchObject({ decision: 'DATA_GAP', status: 'FAILED', error: 'RecoveryDataGap' });
    expect(decided.slot?.walStatus).toBe('lost');
    expect(decided.decision.atRisk).toEqual({ from: run.facts.checkpoint, to: decided.source.serverLsn });
    expect(decided.decision.reason).toContain('wal_status lost');
    expect(run.facts.oldTaskStatus).toBe('stopped');
    expect(run.states).not.toContain('Resume');
    expect(run.notifications).toHaveLength(1);
    expect(run.notifications[0]?.severity).toBe('CRITICAL');
  });

  it('a source unreachable for a while: Decide retries with backoff, then resumes once the server is back', async () => {
    const run = await sourceUnreachable(true)({ servers });

    expect(run.facts.decideRetries).toBeGreaterThanOrEqual(1);
    expect(run).toMatchObject({ decision: 'RESUME', status: 'SUCCEEDED' });
    expect(run.states).not.toContain('DecideWithoutSource');
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
  });

  it('a source unreachable past the retry deadline: ESCALATE with the last error; a re-run once it is back resumes', async () => {
    const run = await sourceUnreachable(false)({ servers });

    expect(run.facts.decideRetries).toBe(6);
    expect(run).toMatchObject({ decision: 'ESCALATE', status: 'FAILED', error: 'RecoveryEscalated' });
    expect(run.states).toContain('DecideWithoutSource');
    expect(decidedOf(run).decision.reason).toMatch(/could not be reached.*ECONNREFUSED/s);
    expect(run.facts).toMatchObject({ rerunStatus: 'SUCCEEDED', rerunDecisions: ['RESUME'] });
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
  });

  it('a FATAL_ERROR with the slot intact: a new task on the same slot at the old checkpoint, the old task kept', async () => {
    const run = await fatalTaskFailure({ servers });
    const decided = decidedOf(run);

    // As DMS writes a failure: the code sits after the message.
    expect(run.facts.stopReason).toMatch(/^Last Error .+ Stop Reason FATAL_ERROR Error Level FATAL$/s);
    expect(run).toMatchObject({ decision: 'NEW_TASK_FROM_SLOT', status: 'SUCCEEDED' });
    expect(decided.decision.lsns.startPosition).toBe(run.facts.oldTaskCheckpoint);
    expect(run.facts.newTask).toMatchObject({ created: true, cdcStartPosition: run.facts.oldTaskCheckpoint });
    expect(run.facts.oldTaskStatus).toBe('failed');
    expect(run.states).toEqual(
      expect.arrayContaining(['StopOldTask', 'CreateNewTask', 'StartNewTask', 'NotifyRecovered']),
    );
    expect(run.states).not.toContain('Resume');
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
  });
});
