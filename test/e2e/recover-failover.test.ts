import { describe, expect, it } from 'vitest';
import { parseLsn } from '../../src/core/lsn.js';
import { failoverWithoutFailoverSlot, failoverWithSyncedSlot } from '../../src/local/recovery/scenarios.js';
import { serversPerTest } from './recover-support.js';

const servers = serversPerTest();

interface Decided {
  decision: { kind: string; reason: string; atRisk: { from: string; to: string } | null };
  slot: { synced: boolean | null; failover: boolean | null } | null;
  source: { serverLsn: string; inRecovery: boolean };
}

describe('recover machine across a failover (PostgreSQL 17 primary and standby, local engine, real ASL)', () => {
  it('a failover slot synced to the standby: the primary is killed, the machine resumes from the new writer, target equals source', async () => {
    const run = await failoverWithSyncedSlot({ servers });
    const decided = run.decided as unknown as Decided;

    // As DMS writes a failure: the code sits after the message.
    expect(run.facts.stopReason).toMatch(
      /^Last Error .+ Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE$/s,
    );
    expect(run).toMatchObject({ decision: 'RESUME', status: 'SUCCEEDED', decisions: ['RESUME'] });
    expect(decided.slot).toMatchObject({ synced: true, failover: true });
    expect(decided.source.inRecovery).toBe(false);
    expect(decided.decision.reason).toContain('survived the failover');
    expect(run.states).toContain('Resume');
    expect(run.states).not.toContain('CreateNewTask');
    // Rows written on the new writer after the promotion reached the target too.
    expect(run.facts.writesAfterFailover).toBeGreaterThan(0);
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
    expect(run.notifications.map((n) => n.subject)).toEqual([
      '[RECOVERY RECOVERED] slot dms_slot: task resumed, running',
    ]);
  });

  it('a slot without failover: DATA_GAP from the checkpoint to the new writer position, nothing restarted or created', async () => {
    const run = await failoverWithoutFailoverSlot({ servers });
    const decided = run.decided as unknown as Decided;
    const checkpoint = run.facts.checkpointBefore as string;

    expect(run).toMatchObject({ decision: 'DATA_GAP', status: 'FAILED', error: 'RecoveryDataGap' });
    expect(decided.decision.atRisk).toEqual({ from: checkpoint, to: decided.source.serverLsn });
    // The upper bound is the new writer's own position, past the checkpoint and not past where it ended.
    const to = parseLsn(decided.decision.atRisk?.to);
    expect(to > parseLsn(checkpoint)).toBe(true);
    expect(to <= parseLsn(run.facts.writerLsnAfter)).toBe(true);
    expect(decided.decision.reason).toContain('neither a synced failover slot (PostgreSQL 17+)');
    // Never restarted silently: the old task is as the failure left it, and no slot was created.
    expect(run.facts).toMatchObject({
      oldTaskStatus: 'failed',
      oldTaskCheckpoint: checkpoint,
      slotsOnWriter: [],
    });
    expect(run.states).toEqual(['Init', 'Decide', 'Route', 'NotifyDataGap', 'DataGap']);
    expect(run.notifications).toEqual([
      {
        subject: `[RECOVERY DATA GAP] slot dms_slot: changes at risk ${checkpoint} .. ${decided.source.serverLsn}`,
        severity: 'CRITICAL',
      },
    ]);
    // What the gap costs: the writes on the new writer never reach the target.
    expect(run.rowsLost).toBeGreaterThan(0);
  });
});
