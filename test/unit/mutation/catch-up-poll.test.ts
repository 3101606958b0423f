import { describe, expect, it } from 'vitest';
import { type CatchUpPollRequest, pollCatchUp } from '../../../src/core/cutover/catch-up-poll.js';
import { TaskFailedError } from '../../../src/core/dms/errors.js';
import { parseLsn } from '../../../src/core/lsn.js';
import { measureSlot, type SlotReading } from '../../../src/core/slot.js';
import { SlotNotFoundError } from '../../../src/core/slot-errors.js';
import type { Dms, Task } from '../../../src/ports/dms.js';
import type { CdcLatency } from '../../../src/ports/dms-metrics.js';
import { slotState } from '../../support/slot-state.js';
import { INSTANCE_ARN, portTask, TASK_ARN } from '../dms/fixtures.js';

/** One poll of the cutover's catch-up wait against fake ports (mutation testing). */

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const THRESHOLDS = {
  maxLagBytes: 1000,
  maxLatencySeconds: 30,
  consecutivePolls: 2,
  catchUpTimeoutSeconds: 600,
};
const REQUEST: CatchUpPollRequest = {
  taskArn: TASK_ARN,
  slotName: 'dms_slot',
  thresholds: THRESHOLDS,
  previous: null,
};

/** The slot 512 bytes behind the server (1/2000 confirmed, server at 1/2200). */
const closeBehind = () => measureSlot(slotState(), parseLsn('1/2200'), false);

function deps(task: Task, reading: SlotReading | undefined, latency: CdcLatency = { source: 3, target: 7 }) {
  const asked: unknown[] = [];
  return {
    asked,
    deps: {
      dms: {
        describeTask: async (arn: string) => {
          asked.push(['describeTask', arn]);
          return task;
        },
      } as unknown as Dms,
      metrics: {
        cdcLatencySeconds: async (t: { arn: string; replicationInstanceArn: string }) => {
          asked.push(['latency', t]);
          return latency;
        },
      },
      sourceDb: {
        readSlot: async (name: string) => {
          asked.push(['readSlot', name]);
          return reading;
        },
        readSlots: async () => [],
        readServerPosition: async () => ({ serverLsn: parseLsn('1/2200'), inRecovery: false }),
      },
      now: () => NOW,
    },
  };
}

describe('pollCatchUp', () => {
  it('reads the task, the slot and the task latency, and judges the first poll within thresholds', async () => {
    const { deps: d, asked } = deps(portTask({ status: 'running' }), closeBehind());
    expect(await pollCatchUp(d, REQUEST, 'app@db:5432/app')).toEqual({
      caughtUp: false,
      consecutive: 1,
      polls: 1,
      since: '2026-03-01T10:00:00.000Z',
      lagBytes: 512,
      latencySeconds: 7,
      confirmedFlushLsn: '1/2000',
      serverLsn: '1/2200',
      withinThresholds: true,
      taskStatus: 'running',
      stopReason: null,
      stopCode: null,
    });
    expect(asked).toEqual([
      ['describeTask', TASK_ARN],
      ['readSlot', 'dms_slot'],
      ['latency', { arn: TASK_ARN, replicationInstanceArn: INSTANCE_ARN }],
    ]);
  });

  it('is caught up on the poll that completes the run within thresholds', async () => {
    const { deps: d } = deps(portTask({ status: 'running' }), closeBehind());
    const previous = { consecutive: 1, polls: 4, since: '2026-03-01T09:59:00.000Z' };
    expect(await pollCatchUp(d, { ...REQUEST, previous }, 'src')).toMatchObject({
      caughtUp: true,
      consecutive: 2,
      polls: 5,
      since: '2026-03-01T09:59:00.000Z',
    });
  });

  it('reports a slot that has confirmed nothing, and latency DMS does not know, as null', async () => {
    const reading = measureSlot(slotState({ confirmedFlushLsn: null }), parseLsn('1/2200'), false);
    const { deps: d } = deps(portTask({ status: 'running' }), reading, { source: null, target: null });
    expect(await pollCatchUp(d, REQUEST, 'src')).toMatchObject({
      lagBytes: null,
      latencySeconds: null,
      confirmedFlushLsn: null,
      withinThresholds: false,
      consecutive: 0,
    });
  });

  it('hands on a task that stopped at its CdcStopPosition with its stop code', async () => {
    const stopped = portTask({ status: 'stopped', stopReason: 'Stop Reason STOPPED_AT_SERVER_TIME' });
    const { deps: d } = deps(stopped, closeBehind());
    expect(await pollCatchUp(d, REQUEST, 'src')).toMatchObject({
      taskStatus: 'stopped',
      stopReason: 'Stop Reason STOPPED_AT_SERVER_TIME',
      stopCode: 'STOPPED_AT_SERVER_TIME',
    });
  });

  it('ends the wait when the task failed, before reading its latency', async () => {
    const task = portTask({
      status: 'failed',
      stopReason: 'Stop Reason FATAL_ERROR',
      lastFailureMessage: 'boom',
    });
    const { deps: d, asked } = deps(task, closeBehind());
    const error = await pollCatchUp(d, REQUEST, 'src').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({
      taskArn: TASK_ARN,
      status: 'failed',
      stopReason: 'Stop Reason FATAL_ERROR',
      lastFailureMessage: 'boom',
    });
    expect(asked.map((a) => (a as unknown[])[0])).not.toContain('latency');
  });

  it('names the slot and the server when the slot is gone', async () => {
    const { deps: d } = deps(portTask({ status: 'running' }), undefined);
    const error = await pollCatchUp(d, REQUEST, 'app@db:5432/app').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect((error as Error).message).toBe('replication slot "dms_slot" does not exist on app@db:5432/app');
  });
});
