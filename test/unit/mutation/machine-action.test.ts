import { describe, expect, it } from 'vitest';
import { type DecisionReport, machineAction } from '../../../src/core/recovery/report.js';

/** The dry run's last line for the decisions whose exact words no other test reads (mutation testing). */
const report = (overrides: Partial<DecisionReport>): DecisionReport => ({
  kind: 'NO_ACTION',
  reason: 'r',
  lsns: {},
  atRisk: null,
  holder: null,
  ...overrides,
});

describe('machineAction, word for word', () => {
  it('says what the machine does when nothing is to be done and while DMS settles the task', () => {
    expect(machineAction(report({ kind: 'NO_ACTION' }))).toBe('nothing to do');
    expect(machineAction(report({ kind: 'WAIT_FOR_TASK' }))).toBe(
      'wait (bounded) for DMS to settle or restart the task by itself, then decide again; nothing is started twice',
    );
  });

  it('marks an unknown holder or start position with a question mark', () => {
    expect(machineAction(report({ kind: 'WAIT_FOR_SLOT' }))).toBe(
      'wait (bounded) for PID ? to let go of the slot, then escalate',
    );
    expect(machineAction(report({ kind: 'NEW_TASK_FROM_SLOT' }))).toBe(
      'stop the old task (kept for its checkpoint), create a new CDC task at ?, start it',
    );
  });
});
