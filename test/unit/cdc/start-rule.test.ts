import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideStart,
  FirstStartTypeError,
  hasRun,
  ReloadTargetOnCdcTaskError,
  TaskRestartRefusedError,
} from '../../../src/core/cdc/start-rule.js';
import { OrchestratorError } from '../../../src/core/errors.js';
import { TASK_STATUSES } from '../../../src/core/task-status.js';
import type { StartType, Task } from '../../../src/ports/dms.js';
import { portTask } from '../dms/fixtures.js';

const ARN = 'arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJ';
const START_TYPES: readonly StartType[] = ['start-replication', 'resume-processing', 'reload-target'];
const CHECKPOINT = 'checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0';

const task = (overrides: Partial<Task> = {}): Task =>
  portTask({ arn: ARN, identifier: 'cutover-cdc-orders', tableMappings: '{"rules":[]}', ...overrides });

const neverRan = task();
const ran = task({
  status: 'stopped',
  startDate: new Date('2026-01-01T00:00:00Z'),
  recoveryCheckpoint: CHECKPOINT,
});

describe('decideStart: the first start', () => {
  it('starts a task that never ran with start-replication', () => {
    expect(hasRun(neverRan)).toBe(false);
    expect(decideStart(neverRan, 'start-replication', false)).toStrictEqual({ kind: 'start' });
  });

  it.each([false, true])(
    'refuses resume-processing on a task that never ran (allowRestart %s): nothing to resume from',
    (allowRestart) => {
      const error = catchError(() => decideStart(neverRan, 'resume-processing', allowRestart));

      expect(error).toBeInstanceOf(FirstStartTypeError);
      expect(error).toMatchObject({
        name: 'FirstStartTypeError',
        taskArn: ARN,
        startType: 'resume-processing',
      });
      expect(error.message).toMatch(/^startType: resume-processing /);
      expect(error.message).toContain('never run');
      expect((error as OrchestratorError).remedy).toMatch(/start-replication/);
    },
  );

  it('refuses reload-target as the first start of a full-load task too: only start-replication starts a task', () => {
    const fullLoad = task({ migrationType: 'full-load-and-cdc' });

    expect(() => decideStart(fullLoad, 'reload-target', true)).toThrow(FirstStartTypeError);
  });
});

describe('decideStart: reload-target on a CDC-only task', () => {
  it.each(TASK_STATUSES)('is refused on a %s cdc task, and allowRestart does not unlock it', (status) => {
    for (const allowRestart of [false, true]) {
      for (const base of [neverRan, ran]) {
        const error = catchError(() => decideStart({ ...base, status }, 'reload-target', allowRestart));

        expect(error).toBeInstanceOf(ReloadTargetOnCdcTaskError);
        expect(error).toMatchObject({ name: 'ReloadTargetOnCdcTaskError', taskArn: ARN });
        expect(error.message).toMatch(/^startType: reload-target /);
        expect(error.message).toContain('MigrationType is cdc');
        expect((error as OrchestratorError).remedy).toMatch(/resume-processing/);
      }
    }
  });

  it('stays possible, with allowRestart, on a full-load-and-cdc task that ran (a deliberate reload)', () => {
    const fullLoad = task({ ...ran, migrationType: 'full-load-and-cdc' });

    expect(() => decideStart(fullLoad, 'reload-target', false)).toThrow(TaskRestartRefusedError);
    expect(decideStart(fullLoad, 'reload-target', true)).toStrictEqual({ kind: 'start' });
  });
});

describe('decideStart: a task that ran', () => {
  it('resumes it, and refuses start-replication unless the restart is accepted', () => {
    expect(decideStart(ran, 'resume-processing', false)).toStrictEqual({ kind: 'start' });
    expect(() => decideStart(ran, 'start-replication', false)).toThrow(TaskRestartRefusedError);
    expect(decideStart(ran, 'start-replication', true)).toStrictEqual({ kind: 'start' });
  });

  it.each(['running', 'starting'] as const)('leaves a %s task alone (a retried start step)', (status) => {
    expect(decideStart({ ...ran, status }, 'resume-processing', false)).toStrictEqual({
      kind: 'already-running',
    });
    expect(decideStart({ ...neverRan, status }, 'start-replication', false)).toStrictEqual({
      kind: 'already-running',
    });
  });
});

describe('decideStart: invariants over every task and request', () => {
  const anyTask = fc.record({
    status: fc.constantFrom(...TASK_STATUSES),
    migrationType: fc.constantFrom('cdc' as const, 'full-load' as const, 'full-load-and-cdc' as const),
    startDate: fc.option(fc.constant(new Date('2026-01-01T00:00:00Z')), { nil: undefined }),
    recoveryCheckpoint: fc.option(fc.constant(CHECKPOINT), { nil: undefined }),
  });

  it('never lets a StartReplicationTask through that DMS would apply wrongly', () => {
    fc.assert(
      fc.property(
        anyTask,
        fc.constantFrom(...START_TYPES),
        fc.boolean(),
        (fields, startType, allowRestart) => {
          const subject = task(fields);
          let decision: ReturnType<typeof decideStart>;
          try {
            decision = decideStart(subject, startType, allowRestart);
          } catch (error) {
            // Every refusal is a typed, named error the state machine can match.
            expect(error).toBeInstanceOf(OrchestratorError);
            expect((error as Error).name).toMatch(/Error$/);
            return;
          }
          if (decision.kind === 'already-running') return;
          expect(startType === 'reload-target' && subject.migrationType === 'cdc').toBe(false);
          if (!hasRun(subject)) expect(startType).toBe('start-replication');
          else if (startType !== 'resume-processing') expect(allowRestart).toBe(true);
        },
      ),
    );
  });
});

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}
