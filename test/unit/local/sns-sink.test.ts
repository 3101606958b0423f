import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LOCAL_ALERTS_TOPIC_ARN,
  LocalSnsSink,
  type SnsNotification,
} from '../../../src/adapters/local/sns-sink.js';
import { InvalidAlertMessageError, parseAlertMessage } from '../../../src/core/alerts/sns-message.js';
import type { AlertMessage } from '../../../src/ports/alerts.js';

const ALERT: AlertMessage = {
  subject: '[CRITICAL] orders-db slot dms_slot: retained WAL 21.3 GiB >= 20 GiB',
  body: 'Retained WAL grew 1.2 GiB since the last check.\nRemedy: resume the DMS task reading dms_slot.',
  payload: {
    source: 'orders-db',
    slot: 'dms_slot',
    retainedBytes: 22_871_000_000,
    threshold: 21_474_836_480,
  },
  attributes: { severity: 'CRITICAL', source: 'orders-db', slot: 'dms_slot', metric: 'retainedWalBytes' },
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sns-sink-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(path: string): Promise<SnsNotification[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as SnsNotification);
}

describe('LocalSnsSink', () => {
  it('writes one SNS-notification JSON line per alert, in a directory it creates', async () => {
    const path = join(dir, 'alerts', 'sns.jsonl');
    const seen: SnsNotification[] = [];
    const sink = new LocalSnsSink({
      path,
      onPublish: (n) => seen.push(n),
      clock: fixedClock(Date.UTC(2026, 0, 2)),
    });

    const { messageId } = await sink.publish(ALERT);

    expect(messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [line, ...rest] = await lines(path);
    expect(rest).toEqual([]);
    expect(line).toEqual({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: LOCAL_ALERTS_TOPIC_ARN,
      Subject: ALERT.subject,
      Message: expect.any(String),
      Timestamp: '2026-01-02T00:00:00.000Z',
      MessageAttributes: {
        severity: { Type: 'String', Value: 'CRITICAL' },
        source: { Type: 'String', Value: 'orders-db' },
        slot: { Type: 'String', Value: 'dms_slot' },
        metric: { Type: 'String', Value: 'retainedWalBytes' },
      },
    });
    expect(parseAlertMessage(line?.Message ?? '')).toEqual({ body: ALERT.body, payload: ALERT.payload });
    expect(seen).toEqual([line]);
  });

  it('keeps publish order under concurrent publishes', async () => {
    const path = join(dir, 'sns.jsonl');
    const sink = new LocalSnsSink({ path });
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sink.publish({ ...ALERT, payload: { i } })),
    );
    const written = await lines(path);
    expect(written.map((n) => n.MessageId)).toEqual(ids.map((r) => r.messageId));
    expect(written.map((n) => parseAlertMessage(n.Message).payload)).toEqual(ids.map((_, i) => ({ i })));
  });

  it('refuses, and writes nothing for, an alert SNS would refuse', async () => {
    const path = join(dir, 'sns.jsonl');
    const seen: SnsNotification[] = [];
    const sink = new LocalSnsSink({ path, onPublish: (n) => seen.push(n) });
    const subject = `[WARNING] ${'x'.repeat(95)}`;

    const refused = sink.publish({ ...ALERT, subject });

    await expect(refused).rejects.toBeInstanceOf(InvalidAlertMessageError);
    await expect(refused).rejects.toMatchObject({
      name: 'InvalidAlertMessageError',
      problems: ['subject is 105 characters, SNS allows at most 99'],
    });
    await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(seen).toEqual([]);
  });

  it('uses the topic ARN it is given', async () => {
    const path = join(dir, 'sns.jsonl');
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:rehearsal';
    await new LocalSnsSink({ path, topicArn }).publish(ALERT);
    expect((await lines(path))[0]?.TopicArn).toBe(topicArn);
  });
});

function fixedClock(now: number) {
  return { now: () => now, sleep: async () => undefined };
}
