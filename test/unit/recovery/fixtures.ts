import type { ExpectedSource } from '../../../src/core/recovery/observe.js';
import type { Endpoint, Task } from '../../../src/ports/dms.js';
import { portTask, SOURCE_ARN, TASK_ARN } from '../dms/fixtures.js';

export { TASK_ARN };
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/source-AbCdEf';

/** The smallest recover input: the task, the source secret and database, the slot. */
export const MINIMAL_RECOVER_INPUT = {
  taskArn: TASK_ARN,
  source: { secretArn: SECRET_ARN, database: 'orders' },
  slotName: 'dms_slot',
};

/** The recover input of a failover recovery as the execution state carries it, before its trigger. */
export const FAILOVER_STATE_INPUT = {
  taskArn: TASK_ARN,
  source: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf', database: 'orders' },
  slotName: 'dms_slot',
  failover: true,
  replacement: { identifierPrefix: 'orders', sourceName: 'orders-db' },
};

/** What RecoverInput fills in around MINIMAL_RECOVER_INPUT: no terminate, short bounded waits. */
export const RECOVER_DEFAULTS = {
  failover: false,
  policy: { terminateStaleBackend: false },
  timing: {
    pollSeconds: 10,
    runningTimeoutSeconds: 900,
    stopTimeoutSeconds: 900,
    slotWaitSeconds: 30,
    slotWaitTimeoutSeconds: 300,
    catchUp: {
      maxLagBytes: 64 * 1024 * 1024,
      maxLatencySeconds: 600,
      consecutivePolls: 2,
      catchUpTimeoutSeconds: 1800,
    },
  },
};

/** A CDC task that failed (FATAL_ERROR, "boom") with a recovery checkpoint at 4AF/B00000D0, as DMS describes it. */
export function failedTask(overrides: Partial<Task> = {}): Task {
  return portTask({
    identifier: 'cutover-cdc-orders',
    status: 'failed',
    tableMappings: '{"rules":[]}',
    cdcStartPosition: '4AF/B0000000',
    stopReason: 'Stop Reason FATAL_ERROR',
    lastFailureMessage: 'boom',
    recoveryCheckpoint: 'checkpoint:V1#27#000004AF/B00000D0#0#0#*#0#121',
    ...overrides,
  });
}

/** The task's source endpoint, reading slot dms_slot in database orders. */
export function sourceEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    arn: SOURCE_ARN,
    identifier: 'orders-source',
    endpointType: 'source',
    engineName: 'postgres',
    databaseName: 'orders',
    slotName: 'dms_slot',
    pluginName: 'test-decoding',
    status: 'active',
    ...overrides,
  };
}

/** What the recovery expects the endpoint to read: slot dms_slot in database orders. */
export const expectedSource = (endpoint: Endpoint | null): ExpectedSource => ({
  slotName: 'dms_slot',
  database: 'orders',
  endpoint,
});

/** Short timing for stub runs of the recover machine: every loop answers within seconds. */
export const STUB_MACHINE_SETTINGS = {
  pollSeconds: 1,
  runningTimeoutSeconds: 30,
  stopTimeoutSeconds: 30,
  slotWaitSeconds: 1,
  slotWaitTimeoutSeconds: 5,
  catchUp: { maxLagBytes: 1, maxLatencySeconds: 1, consecutivePolls: 1, catchUpTimeoutSeconds: 5 },
  failover: false,
  terminateStaleBackend: true,
};

/** The decide step's output as the recover machine reads it (its ResultSelector reads every field). */
export function decidedOutput(
  kind: string,
  taskArn: string,
  settings: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    decision: { kind, reason: `because ${kind}`, lsns: {}, atRisk: null, holder: null },
    task: { taskArn, status: 'failed' },
    slot: null,
    source: { reachable: true, describe: 'x', serverLsn: '1/0', inRecovery: false },
    settings,
    slotWait: null,
    // Read by the recover machine once DMS's own restarts are observed.
    taskWait: null,
    restartedByDms: false,
    newTask: null,
    newTaskProblem: null,
    decidedAt: '2026-03-01T12:00:00.000Z',
    ...extra,
  };
}
