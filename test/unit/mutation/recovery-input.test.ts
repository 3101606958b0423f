import { describe, expect, it } from 'vitest';
import { RecoverInput } from '../../../src/core/recovery/input.js';
import { MINIMAL_RECOVER_INPUT, RECOVER_DEFAULTS, SECRET_ARN, TASK_ARN } from '../recovery/fixtures.js';

/**
 * The recover machine's input at every boundary: what it accepts, what it refuses and with which
 * message, and every default (mutation testing).
 */
const minimal = MINIMAL_RECOVER_INPUT;
const replacement = { identifierPrefix: 'orders', sourceName: 'orders' };

/** The first problem of an input: its path and message, or null when it parses. */
function problem(input: unknown): { path: string; message: string } | null {
  const parsed = RecoverInput.safeParse(input);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return { path: issue?.path.map(String).join('.') ?? '', message: issue?.message ?? '' };
}

const withTiming = (timing: Record<string, unknown>) => ({ ...minimal, timing });
const withCatchUp = (catchUp: Record<string, unknown>) => ({ ...minimal, timing: { catchUp } });
const withReplacement = (r: Record<string, unknown>) => ({
  ...minimal,
  replacement: { ...replacement, ...r },
});

describe('RecoverInput defaults', () => {
  it('fills every default of a four-field input', () => {
    const parsed = RecoverInput.parse(minimal);
    expect(parsed).toMatchObject(RECOVER_DEFAULTS);
    expect(parsed.trigger).toBeUndefined();
  });

  it('defaults the replacement plugin to test-decoding and keeps what it is given', () => {
    expect(RecoverInput.parse(withReplacement({})).replacement).toEqual({
      identifierPrefix: 'orders',
      sourceName: 'orders',
      plugin: 'test-decoding',
    });
    expect(RecoverInput.parse(withReplacement({ plugin: 'pglogical' })).replacement?.plugin).toBe(
      'pglogical',
    );
  });
});

describe('RecoverInput boundaries', () => {
  it.each([
    ['pollSeconds', 3600],
    ['runningTimeoutSeconds', 86_400],
    ['stopTimeoutSeconds', 86_400],
    ['slotWaitSeconds', 3600],
    ['slotWaitTimeoutSeconds', 86_400],
  ])('timing.%s takes whole seconds from 1 to %i', (field, max) => {
    expect(problem(withTiming({ [field]: 1 }))).toBeNull();
    expect(problem(withTiming({ [field]: max }))).toBeNull();
    expect(problem(withTiming({ [field]: 0 }))?.path).toBe(`timing.${field}`);
    expect(problem(withTiming({ [field]: max + 1 }))?.path).toBe(`timing.${field}`);
    expect(problem(withTiming({ [field]: 1.5 }))?.path).toBe(`timing.${field}`);
  });

  it('timing.catchUp: lag of 0 bytes or more (whole), latency of 0 s or more', () => {
    expect(problem(withCatchUp({ maxLagBytes: 0, maxLatencySeconds: 0 }))).toBeNull();
    expect(problem(withCatchUp({ maxLatencySeconds: 0.5 }))).toBeNull();
    expect(problem(withCatchUp({ maxLagBytes: -1 }))?.path).toBe('timing.catchUp.maxLagBytes');
    expect(problem(withCatchUp({ maxLagBytes: 1.5 }))?.path).toBe('timing.catchUp.maxLagBytes');
    expect(problem(withCatchUp({ maxLatencySeconds: -0.1 }))?.path).toBe('timing.catchUp.maxLatencySeconds');
  });

  it('timing.catchUp: 1 to 100 polls in a row, a deadline of 1 s to 7 days', () => {
    expect(problem(withCatchUp({ consecutivePolls: 1, catchUpTimeoutSeconds: 1 }))).toBeNull();
    expect(problem(withCatchUp({ consecutivePolls: 100, catchUpTimeoutSeconds: 604_800 }))).toBeNull();
    expect(problem(withCatchUp({ consecutivePolls: 0 }))?.path).toBe('timing.catchUp.consecutivePolls');
    expect(problem(withCatchUp({ consecutivePolls: 101 }))?.path).toBe('timing.catchUp.consecutivePolls');
    expect(problem(withCatchUp({ consecutivePolls: 1.5 }))?.path).toBe('timing.catchUp.consecutivePolls');
    expect(problem(withCatchUp({ catchUpTimeoutSeconds: 604_801 }))?.path).toBe(
      'timing.catchUp.catchUpTimeoutSeconds',
    );
    expect(problem(withCatchUp({ catchUpTimeoutSeconds: 0 }))?.path).toBe(
      'timing.catchUp.catchUpTimeoutSeconds',
    );
  });

  it('source.database is 1 to 63 characters', () => {
    expect(problem({ ...minimal, source: { secretArn: SECRET_ARN, database: 'd'.repeat(63) } })).toBeNull();
    expect(problem({ ...minimal, source: { secretArn: SECRET_ARN, database: '' } })?.path).toBe(
      'source.database',
    );
    expect(problem({ ...minimal, source: { secretArn: SECRET_ARN, database: 'd'.repeat(64) } })?.path).toBe(
      'source.database',
    );
  });

  it('the trigger keeps an id up to 256, a time up to 64 and a message up to 2000 characters', () => {
    const trigger = (t: Record<string, unknown>) => ({ ...minimal, trigger: { kind: 'manual', ...t } });
    expect(
      problem(trigger({ id: 'i'.repeat(256), time: 't'.repeat(64), message: 'm'.repeat(2000) })),
    ).toBeNull();
    expect(problem(trigger({ id: 'i'.repeat(257) }))?.path).toBe('trigger.id');
    expect(problem(trigger({ time: 't'.repeat(65) }))?.path).toBe('trigger.time');
    expect(problem(trigger({ message: 'm'.repeat(2001) }))?.path).toBe('trigger.message');
    for (const kind of ['dms-task-event', 'rds-failover-event', 'manual']) {
      expect(problem(trigger({ kind }))).toBeNull();
    }
    expect(problem(trigger({ kind: 'cron' }))?.path).toBe('trigger.kind');
  });
});

describe('RecoverInput identifiers', () => {
  it.each([
    [
      'a DMS task ARN',
      { taskArn: 'arn:aws:dms:us-east-1:123456789012:rep:TASK1' },
      'taskArn',
      'must be a DMS task ARN',
    ],
    [
      '12 account digits',
      { taskArn: 'arn:aws:dms:us-east-1:12345678901:task:TASK1' },
      'taskArn',
      'must be a DMS task ARN',
    ],
    ['no trailing text', { taskArn: `${TASK_ARN}/x` }, 'taskArn', 'must be a DMS task ARN'],
    ['no leading text', { taskArn: `x${TASK_ARN}` }, 'taskArn', 'must be a DMS task ARN'],
    [
      'a secret ARN',
      { source: { secretArn: 'arn:aws:ssm:us-east-1:123456789012:parameter/x', database: 'orders' } },
      'source.secretArn',
      'must be a Secrets Manager secret ARN',
    ],
    [
      'a secret ARN from its start',
      { source: { secretArn: `x${SECRET_ARN}`, database: 'orders' } },
      'source.secretArn',
      'must be a Secrets Manager secret ARN',
    ],
    [
      'a whole secret ARN',
      { source: { secretArn: `${SECRET_ARN} x`, database: 'orders' } },
      'source.secretArn',
      'must be a Secrets Manager secret ARN',
    ],
    [
      'a lower-case slot name',
      { slotName: 'Dms_slot' },
      'slotName',
      'must be 1 to 63 lower-case letters, digits and underscores',
    ],
    [
      'a slot name of at most 63',
      { slotName: 's'.repeat(64) },
      'slotName',
      'must be 1 to 63 lower-case letters, digits and underscores',
    ],
    [
      'a non-empty slot name',
      { slotName: '' },
      'slotName',
      'must be 1 to 63 lower-case letters, digits and underscores',
    ],
  ])('refuses a value that is not %s', (_label, override, path, message) => {
    expect(problem({ ...minimal, ...override })).toEqual({ path, message });
  });

  it('accepts the partitions and names AWS uses', () => {
    expect(
      problem({
        ...minimal,
        taskArn: 'arn:aws-us-gov:dms:us-gov-west-1:123456789012:task:ABC-123',
        source: {
          secretArn: 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a/b_c+d=e.f@g-h',
          database: 'x',
        },
        slotName: 'a_0',
      }),
    ).toBeNull();
    expect(problem({ ...minimal, slotName: 's'.repeat(63) })).toBeNull();
  });

  it.each([
    [
      'identifierPrefix',
      'a'.repeat(40),
      'a'.repeat(41),
      'must be 1 to 40 ASCII letters, digits and hyphens, starting with a letter',
    ],
    [
      'identifierPrefix',
      'a-B-9',
      '9abc',
      'must be 1 to 40 ASCII letters, digits and hyphens, starting with a letter',
    ],
    [
      'identifierPrefix',
      'a',
      'a_b',
      'must be 1 to 40 ASCII letters, digits and hyphens, starting with a letter',
    ],
    [
      'sourceName',
      `a${'b'.repeat(62)}`,
      'a'.repeat(64),
      'must be 1 to 63 ASCII letters, digits, dots, underscores and hyphens',
    ],
    ['sourceName', '9a.b_c-d', '.ab', 'must be 1 to 63 ASCII letters, digits, dots, underscores and hyphens'],
    ['sourceName', 'a', 'a b', 'must be 1 to 63 ASCII letters, digits, dots, underscores and hyphens'],
  ])('replacement.%s accepts %j and refuses %j', (field, good, bad, message) => {
    expect(problem(withReplacement({ [field]: good }))).toBeNull();
    expect(problem(withReplacement({ [field]: bad }))).toEqual({ path: `replacement.${field}`, message });
  });

  it.each([
    ['replicationInstanceArn', 'rep', 'endpoint'],
    ['sourceEndpointArn', 'endpoint', 'rep'],
    ['targetEndpointArn', 'endpoint', 'task'],
  ])('replacement.%s must be a DMS %s ARN', (field, kind, other) => {
    expect(
      problem(withReplacement({ [field]: `arn:aws:dms:us-east-1:123456789012:${kind}:ABC` })),
    ).toBeNull();
    expect(problem(withReplacement({ [field]: `arn:aws:dms:us-east-1:123456789012:${other}:ABC` }))).toEqual({
      path: `replacement.${field}`,
      message: `must be a DMS ${kind} ARN`,
    });
  });

  it('replacement mappings and settings are JSON text of 2 characters or more, or an object', () => {
    for (const field of ['tableMappings', 'taskSettings']) {
      expect(problem(withReplacement({ [field]: '{}' }))).toBeNull();
      expect(problem(withReplacement({ [field]: { rules: [] } }))).toBeNull();
      expect(problem(withReplacement({ [field]: '{' }))?.path).toBe(`replacement.${field}`);
    }
    expect(problem(withReplacement({ databaseName: 'd'.repeat(63) }))).toBeNull();
    expect(problem(withReplacement({ databaseName: '' }))?.path).toBe('replacement.databaseName');
    expect(problem(withReplacement({ databaseName: 'd'.repeat(64) }))?.path).toBe('replacement.databaseName');
  });
});
