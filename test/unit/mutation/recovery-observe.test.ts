import { describe, expect, it } from 'vitest';
import { parseLsn } from '../../../src/core/lsn.js';
import { RecoverInput } from '../../../src/core/recovery/input.js';
import {
  newTaskCall,
  observeTask,
  sourceEndpointProblem,
  taskStartLsn,
  taskView,
} from '../../../src/core/recovery/observe.js';
import {
  expectedSource,
  failedTask,
  MINIMAL_RECOVER_INPUT,
  sourceEndpoint,
  TASK_ARN,
} from '../recovery/fixtures.js';

/**
 * What the recover machine derives from DMS before deciding: whether the task can be resumed (and why
 * not, exactly), the task as the execution state carries it, and the new task's payload
 * (mutation testing).
 */
const OTHER_SOURCE = 'arn:aws:dms:us-east-1:123456789012:endpoint:SOURCE2';
const minimal = MINIMAL_RECOVER_INPUT;

const task = failedTask;

const endpoint = sourceEndpoint;

const expected = expectedSource;

describe('observeTask', () => {
  it('observes a resumable task without a reason key, its checkpoint as an LSN', () => {
    const observed = observeTask(task(), expected(endpoint()));
    expect(observed).toStrictEqual({
      status: 'failed',
      stopReason: 'Stop Reason FATAL_ERROR',
      lastFailureMessage: 'boom',
      checkpointLsn: parseLsn('4AF/B00000D0'),
      resumable: true,
      restartsOnRecoverableError: true,
    });
  });

  it('has no checkpoint for a task DMS reports none for, and no task for none', () => {
    expect(observeTask(task({ recoveryCheckpoint: undefined }))?.checkpointLsn).toBeNull();
    expect(observeTask(undefined)).toBeUndefined();
  });

  it('a failed-move task is not resumable, whatever its endpoint', () => {
    expect(observeTask(task({ status: 'failed-move' }), expected(endpoint()))).toMatchObject({
      resumable: false,
      notResumableBecause: 'it failed to move to another replication instance (failed-move)',
    });
  });

  it('without an endpoint read, only the status counts', () => {
    expect(observeTask(task())).toMatchObject({ resumable: true });
  });

  it('an endpoint that no longer reads the slot makes the task not resumable, with the reason', () => {
    expect(observeTask(task(), expected(null))).toMatchObject({
      resumable: false,
      notResumableBecause: 'its source endpoint no longer exists',
    });
  });
});

describe('sourceEndpointProblem', () => {
  it('is undefined for an endpoint that still names the slot and the database, or names no database', () => {
    expect(sourceEndpointProblem(expected(endpoint()))).toBeUndefined();
    expect(sourceEndpointProblem(expected(endpoint({ databaseName: undefined })))).toBeUndefined();
  });

  it('names each way the endpoint stopped reading the slot', () => {
    expect(sourceEndpointProblem(expected(null))).toBe('its source endpoint no longer exists');
    for (const slotName of [undefined, '']) {
      expect(sourceEndpointProblem(expected(endpoint({ slotName })))).toBe(
        'its source endpoint orders-source names no slot (PostgreSQLSettings.SlotName is empty): DMS would read a ' +
          'slot of its own, not dms_slot',
      );
    }
    expect(sourceEndpointProblem(expected(endpoint({ slotName: 'other_slot' })))).toBe(
      'its source endpoint orders-source now names slot other_slot, not dms_slot',
    );
    expect(sourceEndpointProblem(expected(endpoint({ databaseName: 'billing' })))).toBe(
      'its source endpoint orders-source now reads database billing, not orders where slot dms_slot is',
    );
  });
});

describe('taskView', () => {
  it('carries every key, absent values as null', () => {
    const t = task({ stopReason: undefined, lastFailureMessage: undefined, cdcStartPosition: undefined });
    expect(taskView(t, observeTask(t))).toEqual({
      taskArn: TASK_ARN,
      taskIdentifier: 'cutover-cdc-orders',
      status: 'failed',
      stopReason: null,
      lastFailureMessage: null,
      checkpointLsn: '4AF/B00000D0',
      cdcStartPosition: null,
    });
    const noCheckpoint = task({ recoveryCheckpoint: undefined });
    expect(taskView(noCheckpoint, observeTask(noCheckpoint))).toMatchObject({
      checkpointLsn: null,
      stopReason: 'Stop Reason FATAL_ERROR',
      lastFailureMessage: 'boom',
      cdcStartPosition: '4AF/B0000000',
    });
  });

  it('is null without the task or without its observation', () => {
    expect(taskView(undefined, observeTask(task()))).toBeNull();
    expect(taskView(task(), undefined)).toBeNull();
  });
});

describe('taskStartLsn', () => {
  it('reads only an LSN', () => {
    expect(taskStartLsn(task({ cdcStartPosition: '0/10' }))).toBe(16n);
    expect(taskStartLsn(task({ cdcStartPosition: 'not an lsn' }))).toBeNull();
    expect(taskStartLsn(task({ cdcStartPosition: undefined }))).toBeNull();
  });
});

describe('newTaskCall', () => {
  const input = (replacement?: Record<string, unknown>) =>
    RecoverInput.parse({
      ...minimal,
      ...(replacement && {
        replacement: { identifierPrefix: 'orders', sourceName: 'orders-db', ...replacement },
      }),
    });

  it('says exactly what is missing without a replacement', () => {
    expect(newTaskCall(input(), task(), parseLsn('1/0'))).toEqual({
      payload: null,
      problem:
        'the recover input has no "replacement" (identifierPrefix and sourceName at least), so the new task ' +
        'cannot be named',
    });
  });

  it('does not reuse an old endpoint that cannot serve the new task, and says why', () => {
    expect(newTaskCall(input({}), task(), parseLsn('1/0'), 'its source endpoint no longer exists')).toEqual({
      payload: null,
      problem:
        "the old task's source endpoint cannot serve the new task (its source endpoint no longer exists) and the " +
        'recover input does not give replacement.sourceEndpointArn',
    });
  });

  it('names every missing field when the old task is gone and its endpoint is unusable', () => {
    expect(
      newTaskCall(input({}), undefined, parseLsn('1/0'), 'its source endpoint no longer exists').problem,
    ).toBe(
      "the old task's source endpoint cannot serve the new task (its source endpoint no longer exists) and the " +
        'recover input does not give replacement.replicationInstanceArn, replacement.sourceEndpointArn, ' +
        'replacement.targetEndpointArn, replacement.tableMappings',
    );
  });

  it('takes a replacement endpoint, database and settings over the old task', () => {
    const call = newTaskCall(
      input({
        sourceEndpointArn: OTHER_SOURCE,
        databaseName: 'orders2',
        taskSettings: '{"a":1}',
        plugin: 'pglogical',
      }),
      task(),
      parseLsn('4AF/B00000D0'),
      'its source endpoint no longer exists',
    );
    expect(call.problem).toBeNull();
    expect(call.payload).toMatchObject({
      sourceEndpointArn: OTHER_SOURCE,
      databaseName: 'orders2',
      taskSettings: '{"a":1}',
      plugin: 'pglogical',
      cdcStartPosition: '4AF/B00000D0',
    });
  });

  it('leaves task settings out when the replacement gives none', () => {
    expect(newTaskCall(input({}), task(), parseLsn('1/0')).payload).not.toHaveProperty('taskSettings');
  });

  it('without an old task, names every field the replacement must give', () => {
    expect(newTaskCall(input({}), undefined, parseLsn('1/0')).problem).toBe(
      'the old task is gone and the recover input does not give replacement.replicationInstanceArn, ' +
        'replacement.sourceEndpointArn, replacement.targetEndpointArn, replacement.tableMappings',
    );
  });
});
