import { describe, expect, it } from 'vitest';
import { parseLsn } from '../../../src/core/lsn.js';
import { RecoverInput } from '../../../src/core/recovery/input.js';
import { newTaskCall, observeTask, taskStartLsn, taskView } from '../../../src/core/recovery/observe.js';
import { formatRange, toDecisionReport } from '../../../src/core/recovery/report.js';
import { nextSlotWait } from '../../../src/core/recovery/slot-wait.js';
import type { Task } from '../../../src/ports/dms.js';
import { failedTask, MINIMAL_RECOVER_INPUT, RECOVER_DEFAULTS, SECRET_ARN, TASK_ARN } from './fixtures.js';

const minimal = MINIMAL_RECOVER_INPUT;

const task = (overrides: Partial<Task> = {}): Task =>
  failedTask({ identifier: 'cutover-cdc-orders-dms-slot-1a2b3c4d', ...overrides });

describe('recover input', () => {
  it('takes four fields and fills every default (no terminate, short bounded waits)', () => {
    const parsed = RecoverInput.parse(minimal);
    expect(parsed).toMatchObject(RECOVER_DEFAULTS);
    expect(parsed.replacement).toBeUndefined();
  });

  it('refuses what the machine cannot act on safely', () => {
    expect(RecoverInput.safeParse({ ...minimal, taskArn: 'task-1' }).success).toBe(false);
    expect(RecoverInput.safeParse({ ...minimal, slotName: 'DMS-slot' }).success).toBe(false);
    expect(RecoverInput.safeParse({ ...minimal, timing: { pollSeconds: 0 } }).success).toBe(false);
    expect(RecoverInput.safeParse({ ...minimal, timing: { slotWaitSeconds: 1.5 } }).success).toBe(false);
  });
});

describe('what DMS reports, as the decision and the state read it', () => {
  it('reads the checkpoint LSN and keeps every key present in the view', () => {
    const observed = observeTask(task());
    expect(observed).toMatchObject({ checkpointLsn: parseLsn('4AF/B00000D0'), resumable: true });
    expect(taskView(task(), observed)).toEqual({
      taskArn: TASK_ARN,
      taskIdentifier: 'cutover-cdc-orders-dms-slot-1a2b3c4d',
      status: 'failed',
      stopReason: 'Stop Reason FATAL_ERROR',
      lastFailureMessage: 'boom',
      checkpointLsn: '4AF/B00000D0',
      cdcStartPosition: '4AF/B0000000',
    });
    expect(observeTask(undefined)).toBeUndefined();
    expect(taskView(undefined, undefined)).toBeNull();
    expect(observeTask(task({ recoveryCheckpoint: undefined }))?.checkpointLsn).toBeNull();
  });

  it('knows where the task began', () => {
    expect(taskStartLsn(task())).toBe(parseLsn('4AF/B0000000'));
    expect(taskStartLsn(task({ cdcStartPosition: undefined }))).toBeNull();
    expect(taskStartLsn(undefined)).toBeNull();
  });
});

describe('the new task from the slot', () => {
  const withReplacement = RecoverInput.parse({
    ...minimal,
    replacement: { identifierPrefix: 'orders', sourceName: 'orders-db' },
  });

  it('defaults instance, endpoints and table mappings to the old task, at the decided position', () => {
    expect(newTaskCall(withReplacement, task(), parseLsn('4AF/B00000D0'))).toEqual({
      payload: {
        identifierPrefix: 'orders',
        sourceName: 'orders-db',
        slotName: 'dms_slot',
        plugin: 'test-decoding',
        databaseName: 'orders',
        replicationInstanceArn: task().replicationInstanceArn,
        sourceEndpointArn: task().sourceEndpointArn,
        targetEndpointArn: task().targetEndpointArn,
        tableMappings: '{"rules":[]}',
        cdcStartPosition: '4AF/B00000D0',
        sourceSecretArn: SECRET_ARN,
      },
      problem: null,
    });
  });

  it('says what is missing instead of guessing', () => {
    expect(newTaskCall(RecoverInput.parse(minimal), task(), parseLsn('1/0')).problem).toContain(
      'replacement',
    );
    const gone = newTaskCall(withReplacement, undefined, parseLsn('1/0'));
    expect(gone.payload).toBeNull();
    expect(gone.problem).toContain('replacement.replicationInstanceArn, replacement.sourceEndpointArn');
  });
});

describe('the decision as JSON', () => {
  it('renders LSNs as text and absent parts as null', () => {
    const report = toDecisionReport({
      kind: 'DATA_GAP',
      reason: 'gone',
      lsns: { checkpoint: parseLsn('1/2000'), server: parseLsn('1/9000') },
      atRisk: { from: parseLsn('1/2000'), to: null },
    });
    expect(report).toEqual({
      kind: 'DATA_GAP',
      reason: 'gone',
      lsns: { checkpoint: '1/2000', server: '1/9000' },
      atRisk: { from: '1/2000', to: null },
      holder: null,
    });
    expect(formatRange(report.atRisk)).toBe('1/2000 .. unknown');
    expect(formatRange(null)).toBeNull();
  });
});

describe('the bounded wait for a held slot', () => {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');

  it('starts at the first WAIT_FOR_SLOT, counts decisions and expires after the timeout from that first one', () => {
    const first = nextSlotWait('WAIT_FOR_SLOT', null, t0, 60);
    expect(first).toEqual({ since: '2026-01-01T00:00:00.000Z', polls: 1, expired: false });
    const second = nextSlotWait('WAIT_FOR_SLOT', { kind: 'WAIT_FOR_SLOT', wait: first }, t0 + 59_999, 60);
    expect(second).toEqual({ since: first?.since, polls: 2, expired: false });
    expect(nextSlotWait('WAIT_FOR_SLOT', { kind: 'WAIT_FOR_SLOT', wait: second }, t0 + 60_000, 60)).toEqual({
      since: first?.since,
      polls: 3,
      expired: true,
    });
  });

  it('starts again after any other decision, and is null for other decisions', () => {
    const old = { since: '2025-01-01T00:00:00.000Z', polls: 9, expired: true };
    expect(nextSlotWait('WAIT_FOR_SLOT', { kind: 'RESUME', wait: old }, t0, 60)).toMatchObject({ polls: 1 });
    expect(nextSlotWait('RESUME', { kind: 'WAIT_FOR_SLOT', wait: old }, t0, 60)).toBeNull();
  });
});
