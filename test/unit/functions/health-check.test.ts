import { describe, expect, it } from 'vitest';
import { type HealthCheckDeps, makeHandler } from '../../../functions/health-check.js';
import { MemoryAlertStateStore } from '../../../src/adapters/local/alert-state-store.js';
import { systemClock } from '../../../src/adapters/system-clock.js';
import { BATCH_SIZE } from '../../../src/core/health/fleet.js';
import { lambdaContext, testLogger } from './support.js';

/** The health-check function's inputs, without a database: what it refuses and what fails alone. */
const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/${name}-AbCdEf`;

function handler(overrides: Partial<HealthCheckDeps> = {}) {
  return makeHandler({
    secrets: {
      getSecretString: async () => {
        throw new Error('no secret is read in these tests');
      },
    },
    connect: async () => {
      throw new Error('no source is reached in these tests');
    },
    logger: testLogger(),
    env: {},
    cloud: { read: async () => ({ rds: null, dms: [] }) },
    metrics: { record: () => undefined },
    clock: systemClock,
    state: new MemoryAlertStateStore(),
    alerts: {
      publish: async () => {
        throw new Error('nothing is published in these tests');
      },
    },
    ...overrides,
  });
}

const invoke = (event: unknown, overrides: Partial<HealthCheckDeps> = {}) =>
  handler(overrides)(event, lambdaContext());

describe('functions/health-check.ts inputs', () => {
  it(`refuses a batch of more than ${BATCH_SIZE} sources, and unknown keys, naming the field`, async () => {
    const sources = Array.from({ length: BATCH_SIZE + 1 }, (_, i) => ({
      name: `db-${i}`,
      secretArn: arn('x'),
    }));
    await expect(invoke({ batch: 0, sources })).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'sources',
    });
    await expect(invoke({ batch: 0, sources: [], source: {} })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('source'),
    });
  });

  it('refuses a summary with an unknown key, and an out-of-range timeout in the environment', async () => {
    const summary = { batch: 0, sources: 1, ok: 1, warning: 0, critical: 0, failed: 0, failures: [] };
    await expect(
      invoke({ summarize: [{ ...summary, failuresOmitted: 0, results: [] }] }),
    ).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('results') });
    await expect(
      invoke({ batch: 0, sources: [] }, { env: { HEALTH_CHECK_SOURCE_TIMEOUT_SECONDS: '60' } }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'HEALTH_CHECK_SOURCE_TIMEOUT_SECONDS',
    });
  });

  it('an invalid entry and one without a secret ARN fail alone, named, while the batch returns', async () => {
    const result = await invoke({
      batch: 2,
      sources: [
        { name: 'bad name!', secretArn: arn('x') },
        { name: 'local-only', url: 'postgres://u@h/db' },
        42,
      ],
      defaults: {},
    });
    expect(result).toEqual({
      batch: 2,
      sources: 3,
      ok: 0,
      warning: 0,
      critical: 0,
      failed: 3,
      failures: [
        { source: 'bad name!', error: 'InvalidInputError', cause: expect.stringContaining('source.name') },
        {
          source: 'local-only',
          error: 'InvalidInputError',
          cause: expect.stringContaining('source.secretArn'),
        },
        { source: 'sources[2]', error: 'InvalidInputError', cause: expect.stringContaining('source') },
      ],
      failuresOmitted: 0,
    });
  });
});
