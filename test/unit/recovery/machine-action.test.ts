import { describe, expect, it } from 'vitest';
import { type DecisionReport, machineAction } from '../../../src/core/recovery/report.js';
import { DECISION_KINDS } from '../../../src/core/recovery/types.js';

const report = (overrides: Partial<DecisionReport>): DecisionReport => ({
  kind: 'NO_ACTION',
  reason: 'r',
  lsns: {},
  atRisk: null,
  holder: null,
  ...overrides,
});

describe('machineAction: what the recover machine does on each decision', () => {
  it('says something different for every kind', () => {
    const texts = DECISION_KINDS.map((kind) => machineAction(report({ kind })));
    expect(new Set(texts).size).toBe(DECISION_KINDS.length);
  });

  it('never promises a start for the decisions that start nothing', () => {
    for (const kind of ['DATA_GAP', 'ESCALATE'] as const) {
      expect(machineAction(report({ kind }))).toMatch(/^nothing automatic/u);
    }
    expect(machineAction(report({ kind: 'RESUME' }))).toContain(
      'resume-processing (never start-replication)',
    );
  });

  it('names the holder and whether it will be terminated', () => {
    const holder = { pid: 4242, application: 'dms', terminate: true };
    expect(machineAction(report({ kind: 'WAIT_FOR_SLOT', holder }))).toBe(
      'wait (bounded) for PID 4242 to let go of the slot, then terminate it and resume',
    );
    expect(machineAction(report({ kind: 'WAIT_FOR_SLOT', holder: { ...holder, terminate: false } }))).toBe(
      'wait (bounded) for PID 4242 to let go of the slot, then escalate',
    );
  });

  it('gives the new task its start position', () => {
    expect(
      machineAction(report({ kind: 'NEW_TASK_FROM_SLOT', lsns: { startPosition: '4AF/B00000D0' } })),
    ).toContain('create a new CDC task at 4AF/B00000D0');
  });

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
