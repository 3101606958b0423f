import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  type AwsEvent,
  executionName,
  parseRoutes,
  type Route,
  routeRecoveryEvent,
} from '../../../src/core/recovery/routing.js';
import { thrown } from '../../support/thrown.js';

/**
 * The recovery router at its edges: exactly which events start which recoveries with which input,
 * the exact reason an event is ignored, and the execution names (mutation testing).
 */
const TASK = 'arn:aws:dms:eu-west-1:123456789012:task:AAAA';
const OTHER_TASK = 'arn:aws:dms:eu-west-1:123456789012:task:BBBB';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const CLUSTER_ARN = 'arn:aws:rds:eu-west-1:123456789012:cluster:orders-cluster';
const FATAL = 'Last Error  Fatal error. Stop Reason FATAL_ERROR Error Level FATAL';

const sha = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** Parsed inside each test, never at import: a mutant that breaks parsing must fail tests, not the file. */
const bare = (): Route =>
  parseRoutes(
    JSON.stringify({
      routes: [{ taskArn: TASK, source: { secretArn: SECRET, database: 'orders' }, slotName: 'dms_orders' }],
    }),
  )[0] as Route;

const full = (): Route =>
  parseRoutes(
    JSON.stringify({
      routes: [
        {
          taskArn: OTHER_TASK,
          sourceIds: ['orders-cluster'],
          source: { secretArn: SECRET, database: 'billing' },
          slotName: 'dms_billing',
          policy: { terminateStaleBackend: true },
          replacement: { identifierPrefix: 'billing', sourceName: 'billing' },
          timing: { pollSeconds: 5 },
        },
      ],
    }),
  )[0] as Route;

function dmsEvent(detail: Record<string, unknown>, extra: Partial<AwsEvent> = {}): AwsEvent {
  return {
    id: 'evt-1',
    'detail-type': 'DMS Replication Task State Change',
    source: 'aws.dms',
    time: '2026-03-01T12:00:00Z',
    resources: [TASK],
    detail,
    ...extra,
  };
}

function failover(detail: Record<string, unknown>, extra: Partial<AwsEvent> = {}): AwsEvent {
  return {
    id: 'evt-2',
    'detail-type': 'RDS DB Cluster Event',
    source: 'aws.rds',
    time: '2026-03-01T12:00:05Z',
    detail: { EventID: 'RDS-EVENT-0071', ...detail },
    ...extra,
  };
}

describe('routeRecoveryEvent: which events start a recovery', () => {
  it('starts exactly one recovery with the minimal input of a bare route', () => {
    const routing = routeRecoveryEvent(
      dmsEvent({ eventType: 'REPLICATION_TASK_FAILED', detailMessage: FATAL }),
      [bare()],
    );
    expect(routing).toEqual({
      starts: [
        {
          name: `task-evt-1-${sha(TASK, 12)}`,
          input: {
            taskArn: TASK,
            source: { secretArn: SECRET, database: 'orders' },
            slotName: 'dms_orders',
            failover: false,
            trigger: { kind: 'dms-task-event', id: 'evt-1', time: '2026-03-01T12:00:00Z', message: FATAL },
          },
        },
      ],
      ignored: null,
    });
  });

  it('carries policy, replacement and timing of a full route', () => {
    const routing = routeRecoveryEvent(
      dmsEvent({ eventType: 'REPLICATION_TASK_FAILED', detailMessage: FATAL }, { resources: [OTHER_TASK] }),
      [bare(), full()],
    );
    expect(routing.starts).toHaveLength(1);
    expect(routing.starts[0]?.input).toMatchObject({
      taskArn: OTHER_TASK,
      policy: { terminateStaleBackend: true },
      replacement: { identifierPrefix: 'billing', sourceName: 'billing' },
      timing: { pollSeconds: 5 },
    });
  });

  it('uses the event type as the trigger message when the event has no detailMessage', () => {
    const routing = routeRecoveryEvent(
      dmsEvent(
        { eventType: 'REPLICATION_TASK_FAILED', detailMessage: '' },
        { id: undefined, time: undefined },
      ),
      [bare()],
    );
    expect(routing.starts[0]?.input.trigger).toEqual({
      kind: 'dms-task-event',
      message: 'REPLICATION_TASK_FAILED',
    });
  });

  it('cuts a trigger message to 2000 characters', () => {
    const long = `${'x'.repeat(2100)} Stop Reason FATAL_ERROR`;
    const routing = routeRecoveryEvent(
      dmsEvent({ eventType: 'REPLICATION_TASK_FAILED', detailMessage: long }),
      [bare()],
    );
    expect(routing.starts[0]?.input.trigger).toMatchObject({ message: 'x'.repeat(2000) });
  });

  it('names an event without an id by a hash of its time and detail: same event, same name', () => {
    const detail = { eventType: 'REPLICATION_TASK_FAILED', detailMessage: FATAL };
    const event = dmsEvent(detail, { id: undefined });
    const name = routeRecoveryEvent(event, [bare()]).starts[0]?.name;
    const key = sha(JSON.stringify(['2026-03-01T12:00:00Z', detail]), 36);
    expect(name).toBe(`task-${key}-${sha(TASK, 12)}`.slice(0, 80));
  });

  it.each([
    [
      'RECOVERABLE_ERROR',
      'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
    ],
    ['FATAL_ERROR', FATAL],
  ])('recovers a stop with %s', (_code, detailMessage) => {
    const routing = routeRecoveryEvent(dmsEvent({ eventType: 'REPLICATION_TASK_STOPPED', detailMessage }), [
      bare(),
    ]);
    expect(routing.ignored).toBeNull();
    expect(routing.starts).toHaveLength(1);
  });

  it('ignores a normal stop and every other task event, with the exact reason', () => {
    expect(
      routeRecoveryEvent(
        dmsEvent({ eventType: 'REPLICATION_TASK_STOPPED', detailMessage: 'Stop Reason NORMAL' }),
        [bare()],
      ),
    ).toEqual({
      starts: [],
      ignored: 'task event REPLICATION_TASK_STOPPED (Stop Reason NORMAL) needs no recovery',
    });
    expect(routeRecoveryEvent(dmsEvent({ eventType: 'REPLICATION_TASK_STARTED' }), [bare()]).ignored).toBe(
      'task event REPLICATION_TASK_STARTED (no detailMessage) needs no recovery',
    );
    expect(routeRecoveryEvent(dmsEvent({ eventType: 42 }), [bare()]).ignored).toBe(
      'task event ? (no detailMessage) needs no recovery',
    );
    expect(routeRecoveryEvent(dmsEvent({}, { detail: undefined }), [bare()]).ignored).toBe(
      'task event ? (no detailMessage) needs no recovery',
    );
  });

  it('ignores a failed task no route lists, naming it', () => {
    expect(
      routeRecoveryEvent(dmsEvent({ eventType: 'REPLICATION_TASK_FAILED' }, { resources: [OTHER_TASK] }), [
        bare(),
      ]),
    ).toEqual({ starts: [], ignored: `no route for task ${OTHER_TASK}` });
    expect(
      routeRecoveryEvent(dmsEvent({ eventType: 'REPLICATION_TASK_FAILED' }, { resources: undefined }), [
        bare(),
      ]).ignored,
    ).toBe('no route for task (no resources)');
  });

  it('ignores every other task event even when its message names a failure', () => {
    for (const eventType of ['REPLICATION_TASK_STARTED', 'REPLICATION_TASK_DELETED', '']) {
      expect(routeRecoveryEvent(dmsEvent({ eventType, detailMessage: FATAL }), [bare()]).ignored).toBe(
        `task event ${eventType || '?'} (${FATAL}) needs no recovery`,
      );
    }
  });

  it('names every unrouted task of the event', () => {
    expect(
      routeRecoveryEvent(
        dmsEvent({ eventType: 'REPLICATION_TASK_FAILED' }, { resources: [OTHER_TASK, `${OTHER_TASK}2`] }),
        [bare()],
      ).ignored,
    ).toBe(`no route for task ${OTHER_TASK}, ${OTHER_TASK}2`);
  });

  it('ignores an RDS event without detail', () => {
    expect(routeRecoveryEvent(failover({}, { detail: undefined }), [full()]).ignored).toBe(
      'RDS DB Cluster Event ? is not a completed failover',
    );
  });

  it('needs both the DMS source and the DMS detail type', () => {
    const failed = { eventType: 'REPLICATION_TASK_FAILED', detailMessage: FATAL };
    expect(routeRecoveryEvent(dmsEvent(failed, { source: 'aws.rds' }), [bare()]).ignored).toBe(
      'not a DMS task state change or an RDS failover event (aws.rds DMS Replication Task State Change)',
    );
    expect(routeRecoveryEvent(dmsEvent(failed, { 'detail-type': 'Other' }), [bare()]).ignored).toBe(
      'not a DMS task state change or an RDS failover event (aws.dms Other)',
    );
  });
});

describe('routeRecoveryEvent: failovers', () => {
  it('recovers every route that lists the cluster, as a failover, with the RDS message', () => {
    const routing = routeRecoveryEvent(
      failover({ SourceIdentifier: 'orders-cluster', Message: 'Completed failover to DB instance: b' }),
      [bare(), full()],
    );
    expect(routing).toEqual({
      starts: [
        {
          name: `failover-evt-2-${sha(OTHER_TASK, 12)}`,
          input: expect.objectContaining({
            taskArn: OTHER_TASK,
            failover: true,
            trigger: {
              kind: 'rds-failover-event',
              id: 'evt-2',
              time: '2026-03-01T12:00:05Z',
              message: 'RDS-EVENT-0071: Completed failover to DB instance: b',
            },
          }),
        },
      ],
      ignored: null,
    });
  });

  it('matches a route by the identifier without its "rds:" prefix, by SourceArn, or by resources', () => {
    const byArn: Route = { ...full(), sourceIds: [CLUSTER_ARN] };
    expect(
      routeRecoveryEvent(failover({ SourceIdentifier: 'rds:orders-cluster' }), [full()]).starts,
    ).toHaveLength(1);
    expect(routeRecoveryEvent(failover({ SourceArn: CLUSTER_ARN }), [byArn]).starts).toHaveLength(1);
    expect(routeRecoveryEvent(failover({}, { resources: [CLUSTER_ARN] }), [byArn]).starts).toHaveLength(1);
    // Only a leading "rds:" is a prefix: one inside the identifier stays.
    expect(routeRecoveryEvent(failover({ SourceIdentifier: 'orders-rds:cluster' }), [full()]).ignored).toBe(
      'no route lists orders-rds:cluster',
    );
    expect(
      routeRecoveryEvent(failover({ SourceIdentifier: 'xrds:orders-cluster' }), [full()]).starts,
    ).toHaveLength(0);
  });

  it('says "failover completed" when RDS gives no message', () => {
    const routing = routeRecoveryEvent(failover({ SourceIdentifier: 'orders-cluster' }), [full()]);
    expect(routing.starts[0]?.input.trigger).toMatchObject({ message: 'RDS-EVENT-0071: failover completed' });
  });

  it('recovers a Multi-AZ instance failover only for RDS-EVENT-0049', () => {
    const instance = (eventId: string) =>
      failover(
        { EventID: eventId, SourceIdentifier: 'orders-cluster' },
        { 'detail-type': 'RDS DB Instance Event' },
      );
    expect(routeRecoveryEvent(instance('RDS-EVENT-0049'), [full()]).starts).toHaveLength(1);
    expect(routeRecoveryEvent(instance('RDS-EVENT-0071'), [full()]).ignored).toBe(
      'RDS DB Instance Event RDS-EVENT-0071 is not a completed failover',
    );
  });

  it('ignores other RDS events and unrouted sources with the exact reason', () => {
    expect(routeRecoveryEvent(failover({ EventID: undefined }), [full()]).ignored).toBe(
      'RDS DB Cluster Event ? is not a completed failover',
    );
    expect(routeRecoveryEvent(failover({ SourceIdentifier: 'rds:elsewhere' }), [full()]).ignored).toBe(
      'no route lists rds:elsewhere / elsewhere',
    );
    expect(routeRecoveryEvent(failover({}), [full()]).ignored).toBe('no route lists this source');
    expect(
      routeRecoveryEvent(failover({ SourceIdentifier: 'orders-cluster' }, { source: 'aws.dms' }), [full()])
        .ignored,
    ).toBe('not a DMS task state change or an RDS failover event (aws.dms RDS DB Cluster Event)');
    expect(
      routeRecoveryEvent(failover({ SourceIdentifier: 'orders-cluster' }, { 'detail-type': undefined }), [
        full(),
      ]).ignored,
    ).toBe('not a DMS task state change or an RDS failover event (aws.rds undefined)');
  });
});

describe('executionName', () => {
  it('is kind, the cleaned event id and 12 hex of the task hash', () => {
    expect(executionName('dms-task-event', 'a b/c:d_e-f', TASK)).toBe(`task-a-b-c-d_e-f-${sha(TASK, 12)}`);
    expect(executionName('rds-failover-event', 'x', TASK)).toBe(`failover-x-${sha(TASK, 12)}`);
  });

  it('keeps 40 characters of the event id and never exceeds 80', () => {
    const id = 'e'.repeat(100);
    expect(executionName('dms-task-event', id, TASK)).toBe(`task-${'e'.repeat(40)}-${sha(TASK, 12)}`);
  });
});

describe('parseRoutes', () => {
  it('reads no routes from an absent or blank configuration', () => {
    expect(parseRoutes(undefined)).toEqual([]);
    expect(parseRoutes('')).toEqual([]);
    expect(parseRoutes('  \n')).toEqual([]);
  });

  it('defaults sourceIds to none', () => {
    expect(bare().sourceIds).toEqual([]);
  });

  it('refuses text that is not JSON with the example in the remedy', () => {
    const error = thrown(() => parseRoutes('{routes'));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      field: 'RECOVERY_ROUTES',
      message: 'RECOVERY_ROUTES: is not JSON',
      remedy:
        'Give {"routes": [{"taskArn": "arn:aws:dms:...:task:...", "sourceIds": ["my-cluster"], "source": {"secretArn": ' +
        '"...", "database": "app"}, "slotName": "dms_slot"}]}',
    });
  });

  it('names the path of the first problem, or the whole variable', () => {
    expect(thrown(() => parseRoutes(JSON.stringify({ routes: [{ taskArn: 'x' }] })))).toMatchObject({
      field: 'RECOVERY_ROUTES.routes.0.taskArn',
      message: 'RECOVERY_ROUTES.routes.0.taskArn: must be a DMS task ARN',
    });
    expect(thrown(() => parseRoutes('[]'))).toMatchObject({ field: 'RECOVERY_ROUTES' });
  });
});

describe('parseRoutes: each route field at its boundaries', () => {
  const route = (override: Record<string, unknown>) =>
    JSON.stringify({
      routes: [
        {
          taskArn: TASK,
          source: { secretArn: SECRET, database: 'orders' },
          slotName: 'dms_orders',
          ...override,
        },
      ],
    });
  const refusal = (override: Record<string, unknown>) => {
    const error = thrown(() => parseRoutes(route(override))) as InvalidInputError;
    return { field: error.field, message: error.message };
  };

  it.each([
    'arn:aws:dms:eu-west-1:123456789012:rep:AAAA',
    `x${TASK}`,
    `${TASK}/x`,
    'arn:aws:dms:eu-west-1:12345678901:task:AAAA',
    'arn:aws:dms:eu-west-1:1234567890123:task:AAAA',
    'arn:aws:dms::123456789012:task:AAAA',
    'arn:aws:dms:EU-WEST-1:123456789012:task:AAAA',
    'arn:aws:dms:eu-west-1:123456789012:task:',
    'arn:aws:dms:eu-west-1:123456789012:task:AA_AA',
    'arn:aws1:dms:eu-west-1:123456789012:task:AAAA',
  ])('refuses the task ARN %j', (taskArn) => {
    expect(refusal({ taskArn })).toEqual({
      field: 'RECOVERY_ROUTES.routes.0.taskArn',
      message: 'RECOVERY_ROUTES.routes.0.taskArn: must be a DMS task ARN',
    });
  });

  it('accepts task ARNs of every partition and region, with hyphenated ids', () => {
    for (const taskArn of [
      'arn:aws-us-gov:dms:us-gov-west-1:123456789012:task:A-1',
      'arn:aws-cn:dms:cn-north-1:123456789012:task:Z9',
      'arn:aws:dms:eu-west-1:123456789012:task:A',
    ]) {
      expect(parseRoutes(route({ taskArn }))[0]?.taskArn).toBe(taskArn);
    }
  });

  it('takes source ids of 1 to 1600 characters', () => {
    expect(parseRoutes(route({ sourceIds: ['c', 'x'.repeat(1600)] }))[0]?.sourceIds).toEqual([
      'c',
      'x'.repeat(1600),
    ]);
    expect(refusal({ sourceIds: [''] }).field).toBe('RECOVERY_ROUTES.routes.0.sourceIds.0');
    expect(refusal({ sourceIds: ['x'.repeat(1601)] }).field).toBe('RECOVERY_ROUTES.routes.0.sourceIds.0');
  });

  it('takes a secret and a database of 1 to 63 characters', () => {
    expect(parseRoutes(route({ source: { secretArn: 's', database: 'd'.repeat(63) } }))[0]?.source).toEqual({
      secretArn: 's',
      database: 'd'.repeat(63),
    });
    expect(refusal({ source: { secretArn: '', database: 'orders' } }).field).toBe(
      'RECOVERY_ROUTES.routes.0.source.secretArn',
    );
    expect(refusal({ source: { secretArn: 's', database: '' } }).field).toBe(
      'RECOVERY_ROUTES.routes.0.source.database',
    );
    expect(refusal({ source: { secretArn: 's', database: 'd'.repeat(64) } }).field).toBe(
      'RECOVERY_ROUTES.routes.0.source.database',
    );
  });

  it('a policy given without its flag does not terminate', () => {
    expect(parseRoutes(route({ policy: {} }))[0]?.policy).toEqual({ terminateStaleBackend: false });
    expect(bare().policy).toBeUndefined();
  });

  it('takes up to 500 routes', () => {
    const many = (n: number) =>
      JSON.stringify({
        routes: Array.from({ length: n }, () => ({
          taskArn: TASK,
          source: { secretArn: SECRET, database: 'orders' },
          slotName: 'dms_orders',
        })),
      });
    expect(parseRoutes(many(500))).toHaveLength(500);
    expect(() => parseRoutes(many(501))).toThrow(InvalidInputError);
    expect(parseRoutes(many(0))).toEqual([]);
  });
});
