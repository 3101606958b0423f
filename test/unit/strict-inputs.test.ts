import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler as makeFindTask } from '../../functions/find-task.js';
import { makeHandler as makeNotify } from '../../functions/notify.js';
import { makeHandler as makeStopTask } from '../../functions/stop-task.js';
import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';
import { planCutover } from '../../src/core/cutover/plan.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { parseHealthConfig } from '../../src/core/health/config.js';
import { RecoverInput } from '../../src/core/recovery/input.js';
import { ORDERS_CUTOVER_INPUT } from '../support/cutover-input.js';

/**
 * Unknown keys are errors naming the key (a typo must never fall back to a default
 * in silence), and a key named like a password is refused, in Lambda inputs, cutover and recover
 * input files and health configs.
 */
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const CUTOVER = { ...ORDERS_CUTOVER_INPUT, tableMappings: { rules: [] } };
const NOW = new Date('2026-12-01T00:00:00Z');

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('cutover input', () => {
  it.each([
    [{ thresholds: { pollSecond: 5 } }, 'thresholds.pollSecond'],
    [{ slot: { name: 'dms_orders', creat: true } }, 'slot.creat'],
    [{ approval: { requried: true } }, 'approval.requried'],
    [{ heartbeat: { enable: false } }, 'heartbeat.enable'],
    [{ verify: { rowcounts: false } }, 'verify.rowcounts'],
    [{ source: { ...CUTOVER.source, sslmode: 'none' } }, 'source.sslmode'],
    [{ target: { ...CUTOVER.target, databse: 'x' } }, 'target.databse'],
    [{ cdcStopPositon: 'commit_time:2026-12-01T00:00:00' }, 'cdcStopPositon'],
  ])('%j is refused naming %s', (change, field) => {
    const error = refusal(() => planCutover({ ...CUTOVER, ...change }, NOW));
    expect(error.field).toBe(field);
    expect(error.message).toContain('is not a known field');
  });

  it.each([
    [{ source: { ...CUTOVER.source, password: 'x' } }, 'source.password'],
    [{ target: { ...CUTOVER.target, PGPASSWORD: 'x' } }, 'target.PGPASSWORD'],
    [{ tableMappings: { rules: [], db_password: 'x' } }, 'tableMappings.db_password'],
  ])('a password-like key is refused: %s', (change, field) => {
    const error = refusal(() => planCutover({ ...CUTOVER, ...change }, NOW));
    expect(error.field).toBe(field);
    expect(error.message).toContain('a password may not be given in an input');
    expect(error.remedy).toContain('Secrets Manager');
  });
});

describe('recover input', () => {
  it('refuses an unknown nested key (the schema is strict)', () => {
    const parsed = RecoverInput.safeParse({
      taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:ABCDEF',
      source: { secretArn: SECRET, database: 'orders', datbase: 'x' },
      slotName: 'dms_orders',
      trigger: { kind: 'manual', id: 'x' },
    });
    expect(parsed.success).toBe(false);
  });

  it('dms-cdc recover --input names the unknown key and a password key, starting nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-strict-'));
    const file = (name: string, body: object) => {
      const f = path.join(dir, name);
      writeFileSync(f, JSON.stringify(body));
      return f;
    };
    const base = {
      taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:ABCDEF',
      source: { secretArn: SECRET, database: 'orders' },
      slotName: 'dms_orders',
    };
    const run = async (input: string) => {
      const output = recordingOutput();
      const status = await main(
        [
          'recover',
          '--state-machine-arn',
          'arn:aws:states:eu-west-1:123456789012:stateMachine:recover',
          '--input',
          input,
        ],
        { output, env: {}, signal: new AbortController().signal },
      );
      return { status, text: output.lines.map((l) => l.text).join('\n') };
    };
    const typo = await run(file('typo.json', { ...base, policy: { terminateStaleBackends: true } }));
    expect(typo.status).toBe(2);
    expect(typo.text).toContain('invalid at policy.terminateStaleBackends: is not a known field');
    const password = await run(
      file('pw.json', { ...base, source: { ...base.source, password: 'hunter2-x' } }),
    );
    expect(password.status).not.toBe(0);
    expect(password.text).toContain('--input.source.password: a password may not be given in an input');
    expect(password.text).not.toContain('hunter2-x');
  });
});

describe('health config', () => {
  it.each([
    [
      { sources: [{ name: 'a', secretArn: SECRET, slotz: ['x'] }] },
      'config.sources.0.slotz',
      'is not a known field',
    ],
    [
      { defaultz: {}, sources: [{ name: 'a', secretArn: SECRET }] },
      'config.defaultz',
      'is not a known field',
    ],
    [
      { sources: [{ name: 'a', url: 'postgres://u@h/d', password: 'x' }] },
      'config.sources.0.password',
      'a password may not be given',
    ],
  ])('%j is refused naming %s', (document, field, message) => {
    const error = refusal(() => parseHealthConfig(document));
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });
});

describe('Lambda inputs', () => {
  const context = { awsRequestId: 'r' } as Context;
  const never = new Proxy({}, { get: () => () => Promise.reject(new Error('must not be called')) });

  it.each([
    [
      'stop-task',
      () =>
        makeStopTask({ dms: never as never })(
          { taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:ABCDEF', force: true },
          context,
        ),
      'force',
    ],
    [
      'find-task',
      () =>
        makeFindTask({ dms: never as never })(
          { identifierPrefix: 'orders', sourceName: 'orders', slotName: 's', slot: 'x' },
          context,
        ),
      'slot',
    ],
  ])('%s names the unknown key and calls nothing', async (_, invoke, field) => {
    const error = await (invoke() as Promise<unknown>).catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toContain('is not a known field');
  });

  it('refuses a password-like key anywhere in a payload', async () => {
    const error = await makeNotify({ alerts: never as never })(
      { kind: 'success', state: { source: { password: 'hunter2-x' } } },
      context,
    ).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'state.source.password' });
    expect(error.message).not.toContain('hunter2-x');
  });
});
