import { describe, expect, it } from 'vitest';
import {
  recoverableErrorBehavior,
  restartsOnRecoverableError,
} from '../../../src/core/recovery/dms-restarts.js';
import { observeTask } from '../../../src/core/recovery/observe.js';
import { nextTaskWait, taskWaitSoFar } from '../../../src/core/recovery/slot-wait.js';
import type { Task } from '../../../src/ports/dms.js';
import { expectedSource, failedTask, sourceEndpoint } from './fixtures.js';

const task = (overrides: Partial<Task> = {}): Task =>
  failedTask({ stopReason: 'Stop Reason RECOVERABLE_ERROR', lastFailureMessage: undefined, ...overrides });

const endpoint = sourceEndpoint;

const expected = expectedSource;

describe('observeTask: whether a resume-processing would continue the slot being recovered', () => {
  it('a task whose endpoint still names the slot in the database is resumable', () => {
    expect(observeTask(task(), expected(endpoint()))).toMatchObject({ resumable: true });
    expect(observeTask(task(), expected(endpoint()))?.notResumableBecause).toBeUndefined();
    // Without an endpoint read only the status counts.
    expect(observeTask(task())?.resumable).toBe(true);
  });

  it.each([
    ['the endpoint is gone', task(), expected(null), 'its source endpoint no longer exists'],
    [
      'another slot',
      task(),
      expected(endpoint({ slotName: 'old_slot' })),
      'now names slot old_slot, not dms_slot',
    ],
    ['no slot at all', task(), expected(endpoint({ slotName: undefined })), 'names no slot'],
    [
      'another database',
      task(),
      expected(endpoint({ databaseName: 'billing' })),
      'now reads database billing',
    ],
    ['failed-move', task({ status: 'failed-move' }), expected(endpoint()), 'failed-move'],
  ])('not resumable when %s', (_label, given, source, why) => {
    const observed = observeTask(given, source);

    expect(observed?.resumable).toBe(false);
    expect(observed?.notResumableBecause).toContain(why);
  });
});

describe('whether DMS restarts the task by itself (ErrorBehavior)', () => {
  it.each([
    [undefined, { count: -1, intervalSeconds: 5 }],
    ['', { count: -1, intervalSeconds: 5 }],
    ['not json', { count: -1, intervalSeconds: 5 }],
    ['{"Logging":{}}', { count: -1, intervalSeconds: 5 }],
    ['{"ErrorBehavior":{"RecoverableErrorCount":0}}', { count: 0, intervalSeconds: 5 }],
    [
      '{"ErrorBehavior":{"RecoverableErrorCount":3,"RecoverableErrorInterval":20}}',
      { count: 3, intervalSeconds: 20 },
    ],
    ['{"ErrorBehavior":{"RecoverableErrorCount":"0"}}', { count: -1, intervalSeconds: 5 }],
  ])('settings %j -> %j (DMS defaults for what is left out)', (settings, behavior) => {
    expect(recoverableErrorBehavior(settings)).toEqual(behavior);
  });

  it('restarts unless the count is 0, and the observation carries it', () => {
    expect(restartsOnRecoverableError(undefined)).toBe(true);
    expect(restartsOnRecoverableError('{"ErrorBehavior":{"RecoverableErrorCount":0}}')).toBe(false);
    expect(observeTask(task())?.restartsOnRecoverableError).toBe(true);
    expect(
      observeTask(task({ replicationTaskSettings: '{"ErrorBehavior":{"RecoverableErrorCount":0}}' }))
        ?.restartsOnRecoverableError,
    ).toBe(false);
  });
});

describe('the WAIT_FOR_TASK loop', () => {
  const T0 = Date.parse('2026-03-01T12:00:00.000Z');

  it('starts a wait, continues it, and ends it with any other decision', () => {
    const first = nextTaskWait('WAIT_FOR_TASK', null, T0);
    const second = nextTaskWait('WAIT_FOR_TASK', { kind: 'WAIT_FOR_TASK', wait: first }, T0 + 5_000);

    expect(first).toEqual({ since: '2026-03-01T12:00:00.000Z', polls: 1 });
    expect(second).toEqual({ since: '2026-03-01T12:00:00.000Z', polls: 2 });
    expect(nextTaskWait('RESUME', { kind: 'WAIT_FOR_TASK', wait: second }, T0)).toBeNull();
    expect(nextTaskWait('WAIT_FOR_TASK', { kind: 'WAIT_FOR_SLOT', wait: null }, T0 + 9_000)?.polls).toBe(1);
  });

  it('tells the next decision how long DMS has been waited for', () => {
    const wait = { since: '2026-03-01T12:00:00.000Z', polls: 2 };

    expect(taskWaitSoFar({ kind: 'WAIT_FOR_TASK', wait }, T0 + 42_000, 60)).toEqual({
      waitedSeconds: 42,
      timeoutSeconds: 60,
    });
    expect(taskWaitSoFar({ kind: 'WAIT_FOR_SLOT', wait }, T0, 60)).toBeNull();
    expect(taskWaitSoFar(null, T0, 60)).toBeNull();
  });
});
