import 'aws-sdk-client-mock-vitest/extend';
import { KMSAccessDeniedException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../../functions/notify.js';
import { buildSnsAlerts } from '../../../src/adapters/aws/sns.js';
import { parseAlertMessage } from '../../../src/core/alerts/sns-message.js';
import type { Clock } from '../../../src/ports/clock.js';
import {
  captureLogs,
  expectRefusedInput,
  failure,
  lambdaContext,
  REGION,
  TASK_ARN,
  testLogger,
} from './support.js';

const snsMock = mockClient(SNSClient);
const logged = captureLogs();

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:dms-cdc-orchestrator-dev-alerts';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAcNUbyGhYiN0ZXN0LXRva2Vu';
const NOW = Date.parse('2026-03-01T10:30:00.000Z');
const clock: Clock = { now: () => NOW, sleep: async () => undefined };

const STATE = {
  plan: {
    sourceName: 'orders',
    slot: { name: 'dms_slot', plugin: 'test-decoding' },
    source: {
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/source-AbCdEf',
      database: 'shop',
    },
    approval: { required: true, timeoutSeconds: 600 },
    stopAtPosition: false,
    verify: { rowCounts: false },
    startedAt: '2026-03-01T10:00:00.000Z',
  },
  steps: {
    preflight: { summary: { blockers: 0, warnings: 0, infos: 0 }, findings: [] },
    slot: { created: false, confirmedFlushLsn: '4AF/B00000D0', restartLsn: '4AF/B0000028' },
    endpoint: { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:SRC1', created: true },
    connection: { done: true },
    task: { taskArn: TASK_ARN, created: true, cdcStartPosition: '4AF/B00000D0' },
  },
  error: {
    Error: 'TaskFailedError',
    Cause: JSON.stringify({
      errorType: 'TaskFailedError',
      errorMessage: `task ${TASK_ARN} is failed (stop reason: FATAL_ERROR; last failure: none) Remedy: Run the recover state machine`,
      trace: [],
    }),
  },
};

function invoke(event: unknown) {
  const alerts = buildSnsAlerts(new SNSClient({ region: REGION, maxAttempts: 1 }), TOPIC_ARN);
  return makeHandler({ alerts, clock, logger: testLogger() })(event, lambdaContext());
}

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'msg-1' });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('notify handler', () => {
  it('publishes the failure notification to the topic with its subject and filterable attributes', async () => {
    const result = await invoke({ kind: 'failure', state: STATE });

    expect(result).toEqual({ messageId: 'msg-1' });
    expect(snsMock).toReceiveCommandExactlyOnceWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: '[FAILED] cutover orders: PollReady TaskFailedError',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
        source: { DataType: 'String', StringValue: 'orders' },
        kind: { DataType: 'String', StringValue: 'failure' },
        slot: { DataType: 'String', StringValue: 'dms_slot' },
      },
    });
    const message = String(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message);
    const { body, payload } = parseAlertMessage(message);
    expect(body).toContain('Remedy: Run the recover state machine');
    expect(payload).toMatchObject({ kind: 'failure', stage: 'PollReady', taskArn: TASK_ARN });
    expect(message).not.toContain('secretsmanager');
  });

  it('publishes how to answer an approval request, and keeps the token out of the logs', async () => {
    await invoke({ kind: 'approval-request', state: { ...STATE, error: undefined }, taskToken: TOKEN });

    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toBe('[APPROVAL] cutover orders: caught up, approve or reject');
    expect(input?.Message).toContain(`dms-cdc approve --token ${TOKEN}`);
    expect(input?.Message).toContain(`dms-cdc reject --token ${TOKEN}`);
    expect(logged.join('')).toContain('published cutover notification');
    expect(logged.join('')).not.toContain(TOKEN);
  });

  it('publishes to ALERT_TOPIC_ARN by default, and names the variable when it is missing', async () => {
    vi.stubEnv('AWS_REGION', REGION);
    const handler = makeHandler({ clock, logger: testLogger() });

    vi.stubEnv('ALERT_TOPIC_ARN', '');
    const error = await failure(handler({ kind: 'success', state: STATE }, lambdaContext()));
    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'ALERT_TOPIC_ARN' });

    vi.stubEnv('ALERT_TOPIC_ARN', TOPIC_ARN);
    await handler({ kind: 'success', state: STATE }, lambdaContext());
    expect(snsMock).toReceiveCommandWith(PublishCommand, { TopicArn: TOPIC_ARN });
  });

  it('lets SNS errors through by their AWS name (the state machine catches them)', async () => {
    snsMock
      .on(PublishCommand)
      .rejects(new KMSAccessDeniedException({ $metadata: {}, message: 'no kms:GenerateDataKey' }));

    const error = await failure(invoke({ kind: 'success', state: STATE }));

    expect(error.name).toBe('KMSAccessDeniedException');
  });

  it.each([
    ['no kind', { state: STATE }, 'kind'],
    ['an unknown kind', { kind: 'celebration', state: STATE }, 'kind'],
    ['no state', { kind: 'success' }, 'state'],
    ['a state that is not an object', { kind: 'success', state: 'done' }, 'state'],
    ['an approval request without a token', { kind: 'approval-request', state: STATE }, 'taskToken'],
    ['an empty token', { kind: 'approval-request', state: STATE, taskToken: '' }, 'taskToken'],
  ])('rejects %s with an InvalidInputError naming the field', async (_case, event, field) => {
    await expectRefusedInput(invoke(event), field, snsMock);
  });
});
