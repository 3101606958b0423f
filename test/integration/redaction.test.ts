import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/inspect-slot.js';
import { createLogger } from '../../src/adapters/aws/logger.js';
import { buildSnsAlerts } from '../../src/adapters/aws/sns.js';
import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';
import { redactText, registerSecret } from '../../src/core/redact.js';
import { captureStdio } from '../support/capture-stdio.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { loopbackSecret } from '../support/secrets.js';

/**
 * One redactor at every sink. A password is planted where a careless user or an
 * unlucky server puts it: in a failing connection (pasted as the database name, so every message
 * about that database names it) and in an error's cause. It must reach no sink: the CLI's output,
 * the Lambda's log lines and returned error, and SNS.
 */
const PLANTED = 'Planted-pw-7Hq2xZ';
let node: PgNode;
let logged: string[];

beforeAll(async () => {
  node = await primaryForFile({ name: 'redaction' });
});

beforeEach(() => {
  logged = captureStdio();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the planted password appears nowhere', () => {
  it('CLI: a failing connection whose database is the password (PGPASSWORD)', async () => {
    const output = recordingOutput();
    const status = await main(
      ['slot', 'inspect', '--source', `postgres://postgres@127.0.0.1:${node.port}/${PLANTED}`, '--all'],
      { output, env: { PGPASSWORD: PLANTED }, signal: new AbortController().signal },
    );
    expect(status).toBe(1);
    const text = output.lines.map((l) => l.text).join('\n');
    expect(text).toMatch(/^InvalidInputError: database: database "\*\*\*" does not exist/);
    expect(text).not.toContain(PLANTED);
  });

  it('CLI: a password found in a password file is scrubbed the same way', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const home = mkdtempSync(`${tmpdir()}/dms-cdc-redaction-`);
    const other = 'FromPassFile-9kL2';
    writeFileSync(`${home}/.pgpass`, `*:*:*:*:${other}\n`, { mode: 0o600 });
    const output = recordingOutput();
    await main(
      ['slot', 'inspect', '--source', `postgres://postgres@127.0.0.1:${node.port}/${other}`, '--all'],
      { output, env: { HOME: home }, signal: new AbortController().signal },
    );
    expect(output.lines.map((l) => l.text).join('\n')).not.toContain(other);
  });

  it('Lambda: the log lines, the returned error and its cause, for a failing connection', async () => {
    const handler = makeHandler({
      secrets: {
        getSecretString: async () => loopbackSecret(node.port, { password: PLANTED, dbname: PLANTED }),
      },
      logger: createLogger(),
      env: {
        SOURCE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf',
        SOURCE_TLS: 'disable',
      },
    });
    const error = await handler({ slotName: 'dms_slot' }, { awsRequestId: 'r-1' } as Context).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('InvalidInputError');
    const seen = [
      (error as Error).message,
      String((error as Error).stack),
      String(((error as Error).cause as Error | undefined)?.message),
      String(((error as Error).cause as Error | undefined)?.stack),
      ...logged,
    ].join('\n');
    expect(logged.join('')).toContain('reading replication slot');
    expect(seen).not.toContain(PLANTED);
  });

  it('Lambda logger: an error whose cause carries the password and a URL with credentials', () => {
    registerSecret(PLANTED);
    const logger = createLogger();
    const cause = new Error(`FATAL: password "${PLANTED}" rejected for postgres://dms:${PLANTED}@db:5432/x`);
    logger.error('connection failed', {
      error: new Error('could not connect', { cause }),
      dsn: `host=db password=${PLANTED} dbname=x`,
    });
    const line = logged.join('');
    expect(line).toContain('connection failed');
    expect(line).not.toContain(PLANTED);
  });

  it('SNS: subject, message and attributes of every publish', async () => {
    registerSecret(PLANTED);
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const alerts = buildSnsAlerts(
      new SNSClient({ region: 'us-east-1' }),
      'arn:aws:sns:us-east-1:123456789012:alerts',
    );
    await alerts.publish({
      subject: `source ${PLANTED} unreachable`,
      body: `cannot reach postgres://dms:another-secret@db:5432/orders: ${PLANTED}`,
      payload: { source: PLANTED, detail: { password: 'short' } },
      attributes: { severity: 'CRITICAL', source: PLANTED },
    } as never);
    const sent = JSON.stringify(sns.commandCalls(PublishCommand).map((c) => c.args[0].input));
    expect(sent).not.toContain(PLANTED);
    expect(sent).not.toContain('another-secret');
    sns.restore();
  });
});

describe('the redactor', () => {
  it('removes registered secrets and written-out credentials, nothing else', () => {
    registerSecret('s3cr3t-Value');
    expect(redactText('a s3cr3t-Value b')).toBe('a *** b');
    expect(redactText('postgres://u:p%40ss@h:5432/d and https://x:y@z')).toBe(
      'postgres://u:***@h:5432/d and https://x:***@z',
    );
    expect(redactText("host=h password='a b' user=u PGPASSWORD=zz")).toBe(
      'host=h password=*** user=u PGPASSWORD=***',
    );
    expect(redactText('{"password":"hunter2","secretArn":"arn:x"}')).toBe(
      '{"password":"***","secretArn":"arn:x"}',
    );
    expect(redactText('postgres://u@h:5432/d, check the password in the secret')).toBe(
      'postgres://u@h:5432/d, check the password in the secret',
    );
  });
});
