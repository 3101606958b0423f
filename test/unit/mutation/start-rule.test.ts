import { describe, expect, it } from 'vitest';
import {
  decideStart,
  FirstStartTypeError,
  hasRun,
  ReloadTargetOnCdcTaskError,
  TaskRestartRefusedError,
} from '../../../src/core/cdc/start-rule.js';
import { TASK_STATUSES } from '../../../src/core/task-status.js';
import type { StartType, Task } from '../../../src/ports/dms.js';
import { thrown } from '../../support/thrown.js';
import { portTask, TASK_ARN } from '../dms/fixtures.js';

/**
 * The start rule over every task status, start type and allowRestart, against the rules in
 * docs/architecture.md (mutation testing): no path restarts a task that ran unless asked to.
 */
const START_TYPES: readonly StartType[] = ['start-replication', 'resume-processing', 'reload-target'];
const neverRan = (overrides: Partial<Task> = {}) => portTask({ status: 'ready', ...overrides });
const ran = (overrides: Partial<Task> = {}) =>
  portTask({ status: 'stopped', startDate: new Date('2026-03-01T10:00:00Z'), ...overrides });

/** The rule written out as a table: what each combination must give. */
function expected(task: Task, startType: StartType, allowRestart: boolean): string {
  if (startType === 'reload-target' && task.migrationType === 'cdc') return 'ReloadTargetOnCdcTaskError';
  if (task.status === 'running' || task.status === 'starting') return 'already-running';
  if (!hasRun(task)) return startType === 'start-replication' ? 'start' : 'FirstStartTypeError';
  if (startType === 'resume-processing' || allowRestart) return 'start';
  return 'TaskRestartRefusedError';
}

function outcome(task: Task, startType: StartType, allowRestart: boolean): string {
  try {
    return decideStart(task, startType, allowRestart).kind;
  } catch (error) {
    return (error as Error).name;
  }
}

describe('hasRun', () => {
  it('is true for a stopped or failed task, or one with a start date or a checkpoint', () => {
    expect(hasRun(neverRan())).toBe(false);
    expect(hasRun(neverRan({ status: 'creating' }))).toBe(false);
    expect(hasRun(neverRan({ status: 'stopped' }))).toBe(true);
    expect(hasRun(neverRan({ status: 'failed' }))).toBe(true);
    expect(hasRun(neverRan({ startDate: new Date(0) }))).toBe(true);
    expect(hasRun(neverRan({ recoveryCheckpoint: 'checkpoint:V1#1#0/0#0#0#*#0#0' }))).toBe(true);
  });
});

describe('decideStart', () => {
  it('gives the documented outcome for every status, start type, history, migration type and allowRestart', () => {
    for (const status of TASK_STATUSES) {
      for (const history of [
        {},
        { startDate: new Date(0) },
        { recoveryCheckpoint: 'checkpoint:V1#1#0/0#0#0#*#0#0' },
      ]) {
        for (const migrationType of ['cdc', 'full-load-and-cdc'] as const) {
          for (const startType of START_TYPES) {
            for (const allowRestart of [false, true]) {
              const task = portTask({ status, migrationType, ...history });
              expect(
                outcome(task, startType, allowRestart),
                `${status} ${JSON.stringify(history)} ${migrationType} ${startType} allowRestart=${allowRestart}`,
              ).toBe(expected(task, startType, allowRestart));
            }
          }
        }
      }
    }
  });

  it('starts a new task with start-replication only', () => {
    expect(decideStart(neverRan(), 'start-replication', false)).toEqual({ kind: 'start' });
    const error = thrown(() => decideStart(neverRan(), 'resume-processing', true));
    expect(error).toBeInstanceOf(FirstStartTypeError);
    expect(error).toMatchObject({
      name: 'FirstStartTypeError',
      taskArn: TASK_ARN,
      startType: 'resume-processing',
      message:
        `startType: resume-processing cannot be the first start of task ${TASK_ARN}, which has never run ` +
        '(no start date, no recovery checkpoint): only start-replication starts a task for the first time',
      remedy: 'Use startType start-replication (the default): the task starts at its own CdcStartPosition',
    });
  });

  it('refuses reload-target on a CDC task in every state, even running or with allowRestart', () => {
    for (const task of [neverRan(), ran(), ran({ status: 'running' })]) {
      const error = thrown(() => decideStart(task, 'reload-target', true));
      expect(error).toBeInstanceOf(ReloadTargetOnCdcTaskError);
      expect(error).toMatchObject({
        name: 'ReloadTargetOnCdcTaskError',
        taskArn: TASK_ARN,
        message:
          `startType: reload-target never applies to task ${TASK_ARN}, whose MigrationType is cdc (CDC only, no full ` +
          'load to reload from); allowRestart does not change that',
        remedy:
          'Use resume-processing to continue the task from its checkpoint, or create a new CDC task on the same slot ' +
          'from its confirmed_flush_lsn (create-cdc-task). To reload the target, run a full-load task, then CDC from the slot',
      });
    }
  });

  it('resumes a task that ran, and refuses a restart unless allowRestart says so', () => {
    expect(decideStart(ran(), 'resume-processing', false)).toEqual({ kind: 'start' });
    expect(decideStart(ran(), 'start-replication', true)).toEqual({ kind: 'start' });
    const error = thrown(() => decideStart(ran({ status: 'failed' }), 'start-replication', false));
    expect(error).toBeInstanceOf(TaskRestartRefusedError);
    expect(error).toMatchObject({
      name: 'TaskRestartRefusedError',
      taskArn: TASK_ARN,
      status: 'failed',
      startType: 'start-replication',
      message:
        `task ${TASK_ARN} has already run (status failed): start-replication would restart it, and DMS recreates ` +
        'the replication slot when it restarts a CDC task, so the changes the slot still holds would be lost',
      remedy:
        'Use startType resume-processing to continue from the task checkpoint, or create a new CDC task on the ' +
        "same slot from its confirmed_flush_lsn (create-cdc-task). Pass allowRestart: true only if losing the slot's " +
        'pending changes is intended and the target will be reloaded',
    });
  });

  it('leaves a running or starting task alone, whatever start was asked', () => {
    for (const status of ['running', 'starting'] as const) {
      expect(decideStart(ran({ status }), 'start-replication', false)).toEqual({ kind: 'already-running' });
      expect(decideStart(neverRan({ status }), 'resume-processing', false)).toEqual({
        kind: 'already-running',
      });
    }
  });
});
