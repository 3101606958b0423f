import 'aws-sdk-client-mock-vitest/extend';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/notify.js';
import { buildSnsAlerts } from '../../../src/adapters/aws/sns.js';
import { evaluateSource } from '../../../src/core/alerts/evaluate.js';
import { buildAlertMessage } from '../../../src/core/alerts/message.js';
import { toSnsPublishFields } from '../../../src/core/alerts/sns-message.js';
import type { NotificationKind } from '../../../src/core/cutover/notifications.js';
import {
  type JsonObject,
  readServerlessYml,
  resolve,
  stackParameters,
} from '../../support/serverless-template.js';
import {
  type FilterPolicy,
  type MessageAttributes,
  matchesFilterPolicy,
} from '../../support/sns-filter-policy.js';
import { captureLogs, lambdaContext, testLogger } from '../functions/support.js';
import { GiB, measurement, slot, source, T0 } from './fixtures.js';

/**
 * Which subscriptions a message reaches: the FilterPolicy of each subscription exactly as serverless.yml
 * builds it for given stack params, against the MessageAttributes the orchestrator really publishes
 * (the notify Lambda's PublishCommand, and the health alerts' Publish fields).
 */

const snsMock = mockClient(SNSClient);
captureLogs();
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:dms-cdc-orchestrator-dev-alerts';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAcNUbyGhYiN0ZXN0LXRva2Vu';
const SUBSCRIBED = {
  alertEmail: 'dba@example.com',
  alertQueueArn: 'arn:aws:sqs:us-east-1:123456789012:dms-cdc-alerts',
  alertHttpsEndpoint: 'https://hooks.example.com/dms-cdc',
};
const SUBSCRIPTIONS = ['AlertEmailSubscription', 'AlertQueueSubscription', 'AlertHttpsSubscription'] as const;
type Subscription = (typeof SUBSCRIPTIONS)[number];

const file = readServerlessYml();

/** The subscription's FilterPolicy for these params (undefined: none, every message is delivered). */
function filterPolicy(name: Subscription, params: Record<string, string> = {}): FilterPolicy | undefined {
  const parameters = stackParameters(file, { ...SUBSCRIBED, ...params });
  const resource = file.resources.Resources[name];
  if (!resource) throw new Error(`serverless.yml has no ${name}`);
  expect(resource.Condition && resolve(file, parameters, { Condition: resource.Condition })).toBe(true);
  // Only the policy: the rest (TopicArn, Endpoint) refers to resources, not to parameters.
  const properties = resolve(file, parameters, { FilterPolicy: resource.Properties.FilterPolicy ?? null });
  return (properties as JsonObject).FilterPolicy as FilterPolicy | undefined;
}

function delivered(name: Subscription, attributes: MessageAttributes, params?: Record<string, string>) {
  const policy = filterPolicy(name, params);
  return policy === undefined || matchesFilterPolicy(policy, attributes);
}

const STATE = {
  plan: {
    sourceName: 'orders',
    slot: { name: 'dms_slot', plugin: 'test-decoding' },
    approval: { required: true },
    verify: { rowCounts: false },
    startedAt: '2026-03-01T10:00:00.000Z',
  },
  steps: { preflight: { summary: { blockers: 0, warnings: 0, infos: 0 }, findings: [] } },
  polls: { catchUp: { caughtUp: true, lagBytes: 0, latencySeconds: 1 } },
};

/** What the notify Lambda publishes for a cutover notification: the PublishCommand's attributes. */
async function cutoverAttributes(kind: NotificationKind): Promise<MessageAttributes> {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  const alerts = buildSnsAlerts(new SNSClient({ region: 'us-east-1', maxAttempts: 1 }), TOPIC_ARN);
  const handler = makeHandler({
    alerts,
    clock: { now: () => T0, sleep: async () => undefined },
    logger: testLogger(),
  });
  await handler(
    { kind, state: STATE, ...(kind === 'approval-request' && { taskToken: TOKEN }) },
    lambdaContext(),
  );
  const attributes = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes;
  if (!attributes) throw new Error('nothing was published');
  return attributes as MessageAttributes;
}

/** A health alert's attributes at the given retained-WAL size (20 GiB is critical, 5 GiB a warning). */
function healthAttributes(retainedGiB: number): MessageAttributes {
  const observation = evaluateSource(
    source(),
    measurement({ slots: [slot({ retained: retainedGiB * GiB })] }),
  ).find((o) => o.metric === 'retainedWal');
  if (!observation) throw new Error('no retainedWal observation');
  return toSnsPublishFields(buildAlertMessage(observation, 'ALERT', undefined, T0)).MessageAttributes;
}

beforeEach(() => snsMock.reset());

describe('default subscription filter policies (serverless.yml) against the published attributes', () => {
  it('an approval request reaches every default subscription: e-mail, SQS and HTTPS', async () => {
    const approval = await cutoverAttributes('approval-request');
    expect(approval).toMatchObject({
      kind: { DataType: 'String', StringValue: 'approval-request' },
      severity: { DataType: 'String', StringValue: 'INFO' },
    });
    for (const name of SUBSCRIPTIONS) expect(delivered(name, approval), name).toBe(true);
  });

  it('keeps the severity filters for everything else: e-mail CRITICAL only, HTTPS WARNING and up', async () => {
    const failure = await cutoverAttributes('failure');
    const success = await cutoverAttributes('success');
    const critical = healthAttributes(21);
    const warning = healthAttributes(6);
    expect(warning.severity?.StringValue).toBe('WARNING');

    expect([failure, success, critical, warning].map((a) => delivered('AlertEmailSubscription', a))).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([failure, success, critical, warning].map((a) => delivered('AlertHttpsSubscription', a))).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect([failure, success, critical, warning].every((a) => delivered('AlertQueueSubscription', a))).toBe(
      true,
    );
  });

  it('a source filter applies to approval requests too', async () => {
    const approval = await cutoverAttributes('approval-request');
    expect(delivered('AlertEmailSubscription', approval, { alertEmailSources: 'billing' })).toBe(false);
    expect(delivered('AlertEmailSubscription', approval, { alertEmailSources: 'billing,orders' })).toBe(true);
    expect(
      delivered('AlertHttpsSubscription', approval, {
        alertHttpsSeverities: 'CRITICAL',
        alertHttpsSources: 'orders',
      }),
    ).toBe(true);
    expect(delivered('AlertQueueSubscription', approval, { alertQueueSeverities: 'CRITICAL' })).toBe(true);
  });

  it('an empty severity list means every message, approvals included', async () => {
    const success = await cutoverAttributes('success');
    expect(filterPolicy('AlertEmailSubscription', { alertEmailSeverities: '' })).toBeUndefined();
    expect(delivered('AlertEmailSubscription', success, { alertEmailSeverities: '' })).toBe(true);
  });
});

describe('matchesFilterPolicy (SNS semantics the test above relies on)', () => {
  const attrs = (values: Record<string, string>): MessageAttributes =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));

  it('ANDs keys, ORs a key’s values, and combines $or with the keys beside it', () => {
    const policy = { source: ['a', 'b'], $or: [{ severity: ['CRITICAL'] }, { kind: ['approval-request'] }] };
    expect(matchesFilterPolicy(policy, attrs({ source: 'b', severity: 'CRITICAL' }))).toBe(true);
    expect(
      matchesFilterPolicy(policy, attrs({ source: 'a', severity: 'INFO', kind: 'approval-request' })),
    ).toBe(true);
    expect(matchesFilterPolicy(policy, attrs({ source: 'a', severity: 'INFO', kind: 'success' }))).toBe(
      false,
    );
    expect(matchesFilterPolicy(policy, attrs({ source: 'c', severity: 'CRITICAL' }))).toBe(false);
  });

  it('a missing attribute matches only exists:false; anything-but needs the attribute', () => {
    expect(matchesFilterPolicy({ kind: [{ exists: false }] }, attrs({}))).toBe(true);
    expect(matchesFilterPolicy({ kind: ['approval-request'] }, attrs({}))).toBe(false);
    expect(matchesFilterPolicy({ kind: [{ 'anything-but': 'success' }] }, attrs({}))).toBe(false);
    expect(matchesFilterPolicy({ kind: [{ 'anything-but': ['success'] }] }, attrs({ kind: 'failure' }))).toBe(
      true,
    );
  });

  it('refuses what it does not evaluate instead of guessing', () => {
    expect(() => matchesFilterPolicy({ size: [{ numeric: ['>', 1] }] }, attrs({ size: '2' }))).toThrow();
    expect(() => matchesFilterPolicy({ detail: { kind: ['x'] } }, attrs({}))).toThrow();
  });
});
