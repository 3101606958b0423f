import { describe, expect, it } from 'vitest';
import { dmsRestartsTask } from '../../src/local/recovery/scenarios.js';
import { serversPerTest } from './recover-support.js';

const servers = serversPerTest();

describe('recover machine with a task DMS restarts by itself (real PostgreSQL 17, local DMS engine, real ASL and handlers)', () => {
  it('waits for DMS to resume the task from its checkpoint and acts on nothing itself: nothing lost or applied twice', async () => {
    const run = await dmsRestartsTask({ servers });

    expect(run.facts.stopReason).toMatch(/RECOVERABLE_ERROR/);
    expect(run).toMatchObject({ decision: 'WAIT_FOR_TASK', status: 'SUCCEEDED' });
    expect(run.decisions.at(-1)).toBe('NO_ACTION');
    expect(run.decisions.slice(0, -1).every((d) => d === 'WAIT_FOR_TASK')).toBe(true);
    expect(run.states).toEqual(
      expect.arrayContaining(['WaitForTask', 'FollowDmsRestart', 'CheckSlotAdvance', 'NotifyRecovered']),
    );
    // DMS restarted it (again if its first attempt found the crashed walsender still on the slot); the
    // machine never started, created or terminated anything.
    expect(run.facts.dmsRestarts).toBeGreaterThanOrEqual(1);
    expect(run.facts).toMatchObject({
      machineStarts: 0,
      machineCreates: 0,
      terminated: false,
      taskStatus: 'running',
    });
    expect(run.states).not.toContain('Resume');
    expect(run.notifications).toEqual([
      {
        subject: '[RECOVERY RECOVERED] slot dms_slot: task restarted by DMS itself, running',
        severity: 'INFO',
      },
    ]);
    expect(run.facts.transactions).toBeGreaterThan(15);
    expect(run).toMatchObject({ mismatches: 0, rowsLost: 0, rowsExtra: 0 });
  });
});
