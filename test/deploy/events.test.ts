/**
 * The alarms, the events and the dashboard, on the packaged template:
 *   - the recovery rules' EventBridge patterns against AWS's documented sample events (test/fixtures/dms,
 *     test/fixtures/events, sources in their READMEs) and near misses, with a matcher of EventBridge's
 *     documented semantics (test/support/event-pattern.ts, tested here first);
 *   - the operational alarms: the recovery dead-letter queue, failed executions of every state machine,
 *     errors of every function, all to notify-alarm, which publishes them to the alert topic with the
 *     attributes every alert carries (run here on CloudWatch's documented Lambda-action payload);
 *   - the health dashboard: every widget's metric is one the functions emit (the health-check EMF
 *     documents, captured from the real adapter) or an AWS metric the functions read themselves.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/notify-alarm.js';
import { buildEmfHealthMetrics, HEALTH_METRICS_NAMESPACE } from '../../src/adapters/aws/cloudwatch-emf.js';
import type { AlertMessage } from '../../src/ports/alerts.js';
import { matchesPattern } from '../support/event-pattern.js';
import { type FilterPolicy, matchesFilterPolicy } from '../support/sns-filter-policy.js';
import { lambdaContext } from '../unit/functions/support.js';
import { Resolver } from './cfn-resolve.js';
import { type Json, type JsonObject, type Packaged, packageService, ROOT } from './packaged.js';

type Event = { [key: string]: Json };
const fixture = async (file: string): Promise<Event> =>
  JSON.parse(await readFile(path.join(ROOT, 'test/fixtures', file), 'utf8')) as Event;

describe('event-pattern matcher (EventBridge documented semantics)', () => {
  const event = {
    source: 'aws.dms',
    detail: { eventType: 'REPLICATION_TASK_STOPPED', n: 5, tags: ['a', 'b'], message: 'x *y* z' },
  };
  it.each([
    [{ source: ['aws.dms'] }, true],
    [{ source: ['aws.rds', 'aws.dms'] }, true],
    [{ source: ['AWS.DMS'] }, false],
    [{ source: [{ 'equals-ignore-case': 'AWS.DMS' }] }, true],
    [{ source: [{ prefix: 'aws.' }] }, true],
    [{ source: [{ suffix: '.rds' }] }, false],
    [{ detail: { eventType: [{ wildcard: '*STOPPED' }] } }, true],
    [{ detail: { eventType: [{ wildcard: 'STOPPED*' }] } }, false],
    [{ detail: { message: [{ wildcard: 'x \\*y\\* z' }] } }, true],
    [{ detail: { message: [{ wildcard: 'x \\*y z' }] } }, false],
    [{ detail: { eventType: [{ 'anything-but': ['REPLICATION_TASK_FAILED'] }] } }, true],
    [{ detail: { eventType: [{ 'anything-but': { prefix: 'REPLICATION' } }] } }, false],
    [{ detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, true],
    [{ detail: { n: [{ numeric: ['>', 5] }] } }, false],
    [{ detail: { tags: ['b'] } }, true],
    [{ detail: { missing: [{ exists: false }] } }, true],
    [{ detail: { missing: ['x'] } }, false],
    [{ detail: { eventType: [{ exists: true }] } }, true],
    [{ detail: { eventType: ['REPLICATION_TASK_STOPPED'], n: [6] } }, false],
    [{ $or: [{ source: ['aws.rds'] }, { detail: { n: [5] } }] }, true],
  ] as [Event, boolean][])('%j -> %s', (pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

let packaged: Packaged;
let resolver: Resolver;
const resources = () => packaged.template.Resources;

beforeAll(async () => {
  packaged = await packageService({
    stage: 'prod',
    region: 'eu-west-1',
    params: [
      'sourceSecretArn=arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/source-AbCdEf',
      'dmsSecretsAccessRoleArn=arn:aws:iam::123456789012:role/dms-cdc/dms-secrets-access',
      'alertEmail=dba@example.com',
    ],
  });
  resolver = new Resolver(packaged.template, {
    partition: 'aws',
    region: 'eu-west-1',
    account: '123456789012',
    stackName: 'dms-cdc-orchestrator-prod',
    params: {
      SourceSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/source-AbCdEf',
      DmsSecretsAccessRoleArn: 'arn:aws:iam::123456789012:role/dms-cdc/dms-secrets-access',
      AlertEmail: 'dba@example.com',
    },
  });
}, 300_000);

afterAll(async () => {
  await packaged?.remove();
});

describe('the recovery rules match the documented events, and only those', () => {
  const pattern = (rule: string) => resources()[rule]?.Properties.EventPattern as Json;
  const RULES = [
    'RecoveryTaskFailedRule',
    'RecoveryTaskStoppedOnErrorRule',
    'RecoveryClusterFailoverRule',
    'RecoveryInstanceFailoverRule',
  ];
  it.each([
    ['dms/eventbridge-task-failed.composed.json', ['RecoveryTaskFailedRule']],
    ['events/dms-task-stopped-fatal.composed.json', ['RecoveryTaskStoppedOnErrorRule']],
    ['events/rds-cluster-failover.composed.json', ['RecoveryClusterFailoverRule']],
    ['events/rds-instance-failover.user-guide.json', ['RecoveryInstanceFailoverRule']],
    // Near misses: a start, a stop the cutover asked for, a cluster patched.
    ['dms/eventbridge-task-state-change.user-guide.json', []],
    ['events/dms-task-stopped-normal.composed.json', []],
    ['events/rds-cluster-patched.aurora-user-guide.json', []],
  ] as [string, string[]][])('%s -> %j', async (file, expected) => {
    const event = await fixture(file);
    expect(RULES.filter((rule) => matchesPattern(pattern(rule), event))).toEqual(expected);
  });

  it('matches a stopped task with RECOVERABLE_ERROR, and not the same text in another field or another source', async () => {
    const stopped = await fixture('events/dms-task-stopped-fatal.composed.json');
    const detail = stopped.detail as Event;
    const recoverable = {
      ...stopped,
      detail: {
        ...detail,
        detailMessage:
          'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
      },
    };
    expect(matchesPattern(pattern('RecoveryTaskStoppedOnErrorRule'), recoverable)).toBe(true);
    const elsewhere = {
      ...stopped,
      detail: { ...detail, detailMessage: 'Stop Reason NORMAL', note: 'FATAL_ERROR' },
    };
    expect(matchesPattern(pattern('RecoveryTaskStoppedOnErrorRule'), elsewhere)).toBe(false);
    expect(matchesPattern(pattern('RecoveryTaskStoppedOnErrorRule'), { ...stopped, source: 'aws.rds' })).toBe(
      false,
    );
    const instance = await fixture('events/rds-instance-failover.user-guide.json');
    // The same event ID under the cluster detail-type is not an instance failover, and vice versa.
    expect(matchesPattern(pattern('RecoveryClusterFailoverRule'), instance)).toBe(false);
  });
});

describe('operational alarms', () => {
  const alarms = () =>
    Object.entries(resources()).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm') as [
      string,
      { Properties: JsonObject },
    ][];
  const notifyAlarm = { 'Fn::GetAtt': ['NotifyAlarmLambdaFunction', 'Arn'] };
  const dimension = (props: JsonObject) => (props.Dimensions as JsonObject[])[0] as JsonObject;

  it('raises one on the recovery dead-letter queue as soon as a message is visible', () => {
    const [, dlq] = alarms().find(([, a]) => a.Properties.Namespace === 'AWS/SQS') ?? [];
    expect(dlq?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': ['RecoveryEventsDeadLetterQueue', 'QueueName'] } },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('raises one on failed executions of every state machine', () => {
    const machines = Object.entries(resources())
      .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
      .map(([id]) => ({ Ref: id }));
    const watched = alarms()
      .filter(([, a]) => a.Properties.MetricName === 'ExecutionsFailed')
      .map(([, a]) => dimension(a.Properties).Value);
    expect(watched).toEqual(expect.arrayContaining(machines));
    expect(watched).toHaveLength(machines.length);
  });

  it('raises one on errors of every function but notify-alarm itself', () => {
    const functions = Object.entries(resources())
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && id !== 'NotifyAlarmLambdaFunction')
      .map(([id]) => ({ Ref: id }));
    const watched = alarms()
      .filter(([, a]) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === 'Errors')
      .map(([, a]) => dimension(a.Properties).Value);
    expect(watched).toEqual(expect.arrayContaining(functions));
    expect(watched).toHaveLength(functions.length);
  });

  it('sends ALARM and OK of every alarm to notify-alarm, which CloudWatch may invoke for this stack only', () => {
    const permission = resources().NotifyAlarmFromAlarms?.Properties as JsonObject;
    expect(permission.Principal).toBe('lambda.alarms.cloudwatch.amazonaws.com');
    const sourceArn = String(resolver.resolve(permission.SourceArn as Json));
    const prefix = sourceArn.replace(/\*$/, '');
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties.AlarmActions, id).toEqual([notifyAlarm]);
      expect(alarm.Properties.OKActions, id).toEqual([notifyAlarm]);
      expect(resolver.arnOf(id).startsWith(prefix), `${id}: ${resolver.arnOf(id)} under ${sourceArn}`).toBe(
        true,
      );
    }
  });

  it('publishes the documented alarm payload with the attributes every alert carries', async () => {
    const published: AlertMessage[] = [];
    const handler = makeHandler({
      alerts: {
        publish: async (m) => {
          published.push(m);
          return { messageId: 'm-1' };
        },
      },
      env: { ALERT_SOURCE: 'dms-cdc-orchestrator-prod' },
    });
    const event = await fixture('events/cloudwatch-alarm-lambda-action.user-guide.json');
    await expect(handler(event, lambdaContext())).resolves.toEqual({ published: true, messageId: 'm-1' });
    expect(published[0]?.attributes).toEqual({
      severity: 'CRITICAL',
      source: 'dms-cdc-orchestrator-prod',
      kind: 'operational-alarm',
      alarm: 'lambda-demo-metric-alarm',
      metric: 'CallCount',
    });
    expect(published[0]?.subject).toBe('[CRITICAL] dms-cdc-orchestrator-prod: lambda-demo-metric-alarm');

    const ok = structuredClone(event) as { alarmData: { state: { value: string } } };
    ok.alarmData.state.value = 'OK';
    await handler(ok, lambdaContext());
    expect(published[1]?.attributes.severity).toBe('RESOLVED');
    // The default e-mail subscription (its real filter policy) gets the ALARM, not the OK.
    const policy = resolver.resolve(
      resources().AlertEmailSubscription?.Properties.FilterPolicy as Json,
    ) as FilterPolicy;
    const asSns = (m: AlertMessage | undefined) =>
      Object.fromEntries(
        Object.entries(m?.attributes ?? {}).map(([k, v]) => [
          k,
          { DataType: 'String', StringValue: String(v) },
        ]),
      );
    expect(matchesFilterPolicy(policy, asSns(published[0]))).toBe(true);
    expect(matchesFilterPolicy(policy, asSns(published[1]))).toBe(false);
    const insufficient = structuredClone(event) as { alarmData: { state: { value: string } } };
    insufficient.alarmData.state.value = 'INSUFFICIENT_DATA';
    await expect(handler(insufficient, lambdaContext())).resolves.toEqual({ published: false });
    expect(published).toHaveLength(2);
  });
});

describe('the health dashboard', () => {
  /** Every SEARCH('{Namespace,Dim,...} MetricName="X"') of the dashboard body. */
  function searches(): { namespace: string; dimensions: string[]; metric: string }[] {
    const body = String(resolver.resolve(resources().HealthDashboard?.Properties.DashboardBody as Json));
    const widgets = (JSON.parse(body) as { widgets: { properties: { metrics: JsonObject[][] } }[] }).widgets;
    const expressions = widgets.flatMap((w) => w.properties.metrics.flat().map((m) => String(m.expression)));
    expect(expressions.length).toBeGreaterThan(0);
    return expressions.map((expression) => {
      const match = /^SEARCH\('\{([^}]+)\} MetricName="([^"]+)"'/.exec(expression);
      if (!match) throw new Error(`not a SEARCH the test reads: ${expression}`);
      const [namespace, ...dimensions] = String(match[1]).split(',');
      return { namespace: String(namespace), dimensions: dimensions.sort(), metric: String(match[2]) };
    });
  }

  /** The EMF documents the health-check adapter writes for one source with one slot. */
  function emitted(): { namespace: string; dimensions: string[]; metrics: string[] }[] {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      buildEmfHealthMetrics(new Metrics({ namespace: HEALTH_METRICS_NAMESPACE })).record({
        source: 'orders-db',
        measurement: {
          slots: [
            {
              reading: {
                slot: { slotName: 'dms_slot', active: true, safeWalSizeBytes: 1 },
                lagBytes: 1,
                retainedWalBytes: 2,
              },
              xminAge: 1,
              inactiveSeconds: 1,
            },
          ],
          wal: { bytes: 1, percent: 1, files: 1 },
        },
        observations: [],
      } as never);
    } finally {
      spy.mockRestore();
    }
    return lines.flatMap((line) => {
      const doc = JSON.parse(line) as {
        _aws: {
          CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
        };
      };
      return doc._aws.CloudWatchMetrics.flatMap((d) =>
        d.Dimensions.map((dims) => ({
          namespace: d.Namespace,
          dimensions: [...dims].sort(),
          metrics: d.Metrics.map((m) => m.Name),
        })),
      );
    });
  }

  it('charts only metrics the health check emits, with the dimensions it emits them under', () => {
    const docs = emitted();
    const own = searches().filter((s) => s.namespace === HEALTH_METRICS_NAMESPACE);
    expect(own.length).toBeGreaterThan(0);
    for (const s of own) {
      const doc = docs.find(
        (d) => d.namespace === s.namespace && d.dimensions.join() === s.dimensions.join(),
      );
      expect(doc?.metrics, `${s.metric} by ${s.dimensions.join(',')}`).toContain(s.metric);
    }
  });

  it('charts AWS metrics only as the functions read them (same names and dimensions)', async () => {
    const adapters = [
      await readFile(path.join(ROOT, 'src/adapters/aws/dms-metrics.ts'), 'utf8'),
      await readFile(path.join(ROOT, 'src/adapters/aws/cloudwatch.ts'), 'utf8'),
    ].join('\n');
    for (const s of searches().filter((x) => x.namespace !== HEALTH_METRICS_NAMESPACE)) {
      expect(['AWS/DMS', 'AWS/RDS']).toContain(s.namespace);
      expect(adapters, s.metric).toContain(s.metric);
      for (const dimension of s.dimensions) expect(adapters, `${s.metric} ${dimension}`).toContain(dimension);
    }
  });
});
