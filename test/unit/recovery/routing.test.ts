import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { RecoverInput } from '../../../src/core/recovery/input.js';
import { executionName, parseRoutes, routeRecoveryEvent } from '../../../src/core/recovery/routing.js';

const TASK_A = 'arn:aws:dms:eu-west-1:123456789012:task:AAAA';
const TASK_B = 'arn:aws:dms:eu-west-1:123456789012:task:BBBB';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const routes = parseRoutes(
  JSON.stringify({
    routes: [
      {
        taskArn: TASK_A,
        sourceIds: ['orders-cluster', 'orders-db-1'],
        source: { secretArn: SECRET, database: 'orders' },
        slotName: 'dms_orders',
        policy: { terminateStaleBackend: true },
        replacement: { identifierPrefix: 'orders', sourceName: 'orders' },
      },
      {
        taskArn: TASK_B,
        sourceIds: ['arn:aws:rds:eu-west-1:123456789012:cluster:orders-cluster'],
        source: { secretArn: SECRET, database: 'billing' },
        slotName: 'dms_billing',
      },
    ],
  }),
);

// Shapes as EventBridge delivers them (DMS: detail type/category/eventType/detailMessage and the task in
// resources; RDS: detail EventCategories/SourceType/SourceArn/Message/SourceIdentifier/EventID).
function dmsEvent(eventType: string, detailMessage: string, taskArn = TASK_A) {
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'DMS Replication Task State Change',
    source: 'aws.dms',
    account: '123456789012',
    time: '2026-03-01T12:00:00Z',
    region: 'eu-west-1',
    resources: [taskArn],
    detail: { type: 'REPLICATION_TASK', category: 'StateChange', eventType, detailMessage },
  };
}

function rdsEvent(detailType: string, eventId: string, sourceIdentifier: string, sourceArn: string) {
  return {
    version: '0',
    id: '68f6e973-1a0c-d37b-f2f2-94a7f62ffd4e',
    'detail-type': detailType,
    source: 'aws.rds',
    time: '2026-03-01T12:00:05Z',
    resources: [sourceArn],
    detail: {
      EventCategories: ['failover'],
      SourceType: detailType === 'RDS DB Cluster Event' ? 'CLUSTER' : 'DB_INSTANCE',
      SourceArn: sourceArn,
      Date: '2026-03-01T12:00:05.000Z',
      Message: 'Completed failover to DB instance: orders-db-2',
      SourceIdentifier: sourceIdentifier,
      EventID: eventId,
    },
  };
}

describe('routing AWS events to recoveries', () => {
  it('a task failure recovers that task with its configured input, not as a failover', () => {
    const routing = routeRecoveryEvent(dmsEvent('REPLICATION_TASK_FAILED', 'Last Error ...'), routes);
    expect(routing.ignored).toBeNull();
    expect(routing.starts).toHaveLength(1);
    const input = routing.starts[0]?.input;
    expect(input).toMatchObject({
      taskArn: TASK_A,
      slotName: 'dms_orders',
      failover: false,
      policy: { terminateStaleBackend: true },
      trigger: { kind: 'dms-task-event', id: '7bf73129-1428-4cd3-a780-95db273d1602' },
    });
    // What the router starts is what the machine accepts.
    expect(RecoverInput.safeParse(input).success).toBe(true);
  });

  it('a stop recovers only for RECOVERABLE_ERROR or FATAL_ERROR', () => {
    expect(
      routeRecoveryEvent(dmsEvent('REPLICATION_TASK_STOPPED', 'Stop Reason RECOVERABLE_ERROR'), routes)
        .starts,
    ).toHaveLength(1);
    expect(
      routeRecoveryEvent(dmsEvent('REPLICATION_TASK_STOPPED', 'Stop Reason FATAL_ERROR'), routes).starts,
    ).toHaveLength(1);
    expect(
      routeRecoveryEvent(dmsEvent('REPLICATION_TASK_STOPPED', 'Stop Reason NORMAL'), routes).ignored,
    ).toContain('needs no recovery');
    expect(
      routeRecoveryEvent(dmsEvent('REPLICATION_TASK_STOPPED', 'Stop Reason STOPPED_AT_SERVER_TIME'), routes)
        .ignored,
    ).toContain('needs no recovery');
    expect(routeRecoveryEvent(dmsEvent('REPLICATION_TASK_STARTED', ''), routes).ignored).toContain(
      'needs no recovery',
    );
  });

  it('an RDS event whose detail-type only names an inherited property is not a failover event', () => {
    for (const type of ['toString', 'constructor', '__proto__']) {
      expect(routeRecoveryEvent({ source: 'aws.rds', 'detail-type': type, detail: {} }, routes).ignored).toBe(
        `not a DMS task state change or an RDS failover event (aws.rds ${type})`,
      );
    }
  });

  it('a task without a route is ignored with the reason', () => {
    const other = 'arn:aws:dms:eu-west-1:123456789012:task:OTHER';
    expect(routeRecoveryEvent(dmsEvent('REPLICATION_TASK_FAILED', 'x', other), routes).ignored).toBe(
      `no route for task ${other}`,
    );
  });

  it('a cluster failover (RDS-EVENT-0071) recovers every task on that cluster, by identifier or ARN, as a failover', () => {
    const routing = routeRecoveryEvent(
      rdsEvent(
        'RDS DB Cluster Event',
        'RDS-EVENT-0071',
        'orders-cluster',
        'arn:aws:rds:eu-west-1:123456789012:cluster:orders-cluster',
      ),
      routes,
    );
    expect(routing.starts.map((s) => s.input.taskArn)).toEqual([TASK_A, TASK_B]);
    expect(routing.starts.every((s) => s.input.failover === true)).toBe(true);
    expect(routing.starts[0]?.input.trigger).toMatchObject({
      kind: 'rds-failover-event',
      message: 'RDS-EVENT-0071: Completed failover to DB instance: orders-db-2',
    });
  });

  it('a Multi-AZ instance failover (RDS-EVENT-0049) matches the instance, "rds:" prefix or not', () => {
    for (const identifier of ['orders-db-1', 'rds:orders-db-1']) {
      const routing = routeRecoveryEvent(
        rdsEvent(
          'RDS DB Instance Event',
          'RDS-EVENT-0049',
          identifier,
          'arn:aws:rds:eu-west-1:123456789012:db:orders-db-1',
        ),
        routes,
      );
      expect(routing.starts.map((s) => s.input.taskArn)).toEqual([TASK_A]);
    }
  });

  it('other RDS events, other failover ids and other sources are ignored', () => {
    const arn = 'arn:aws:rds:eu-west-1:123456789012:cluster:orders-cluster';
    expect(
      routeRecoveryEvent(rdsEvent('RDS DB Cluster Event', 'RDS-EVENT-0070', 'orders-cluster', arn), routes)
        .ignored,
    ).toContain('not a completed failover');
    // 0049 is the instance event; on a cluster it is not what the rule asks for.
    expect(
      routeRecoveryEvent(rdsEvent('RDS DB Cluster Event', 'RDS-EVENT-0049', 'orders-cluster', arn), routes)
        .ignored,
    ).toContain('not a completed failover');
    expect(
      routeRecoveryEvent(rdsEvent('RDS DB Snapshot Event', 'RDS-EVENT-0071', 'x', arn), routes).ignored,
    ).toContain('not a DMS task state change');
    expect(
      routeRecoveryEvent(
        rdsEvent(
          'RDS DB Instance Event',
          'RDS-EVENT-0049',
          'billing-db',
          'arn:aws:rds:eu-west-1:123456789012:db:billing-db',
        ),
        routes,
      ).ignored,
    ).toContain('no route lists billing-db');
  });

  it('names executions after the event and the task: a redelivered event gets the same name, another task another', () => {
    const first = routeRecoveryEvent(dmsEvent('REPLICATION_TASK_FAILED', 'x'), routes).starts[0]?.name;
    const again = routeRecoveryEvent(dmsEvent('REPLICATION_TASK_FAILED', 'x'), routes).starts[0]?.name;
    expect(first).toBe(again);
    expect(first).toMatch(/^task-7bf73129-1428-4cd3-a780-95db273d1602-[0-9a-f]{12}$/);
    expect(executionName('rds-failover-event', 'e', TASK_A)).not.toBe(
      executionName('rds-failover-event', 'e', TASK_B),
    );
    expect(executionName('task', 'x'.repeat(200), TASK_A).length).toBeLessThanOrEqual(80);
  });

  it('parses the routes configuration strictly, naming the bad path', () => {
    expect(parseRoutes(undefined)).toEqual([]);
    expect(() => parseRoutes('{')).toThrow(InvalidInputError);
    expect(() => parseRoutes(JSON.stringify({ routes: [{ taskArn: 'x' }] }))).toThrow(
      /RECOVERY_ROUTES\.routes\.0\.taskArn/,
    );
  });
});
