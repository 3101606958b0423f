import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  BATCH_SIZE,
  type BatchSummary,
  MAP_CONCURRENCY,
  MAX_SOURCES,
  summarizeBatch,
  summarizeRun,
} from '../../../src/core/health/fleet.js';
import {
  type ExecutionEvent,
  type ExecutionResult,
  runStateMachine,
  type TaskHandler,
} from '../../../src/local/stepfunctions/index.js';

/**
 * Every path of statemachines/health-check.asl.json with stub functions (no database, no AWS): where
 * the configuration comes from, defaults or none, batches, a batch that fails alone, too many sources,
 * retries of SSM and Lambda errors. The real handler against PostgreSQL is in test/e2e/health-check.test.ts.
 */
const DEFINITION = fileURLToPath(new URL('../../../statemachines/health-check.asl.json', import.meta.url));
const SSM_GET_PARAMETER = 'arn:aws:states:::aws-sdk:ssm:getParameter';
const S3_GET_OBJECT = 'arn:aws:states:::aws-sdk:s3:getObject';
// Retry intervals of 1 s, 2 s, ... become 1 ms, 2 ms.
const TIME_SCALE = 0.001;

const source = (name: string) => ({
  name,
  secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/${name}-AbCdEf`,
});

interface BatchEvent {
  readonly batch: number;
  readonly sources: readonly { readonly name: string }[];
  readonly defaults: unknown;
}

/**
 * A stub health-check function: what each batch invocation received and a scripted answer per batch
 * (every source OK unless `fail` throws for the batch); the last step adds up with the real code.
 */
function checker(fail: (batch: BatchEvent, attempt: number) => Error | undefined = () => undefined) {
  const received: BatchEvent[] = [];
  const attempts = new Map<number, number>();
  const handler: TaskHandler = async (event: BatchEvent | { summarize: BatchSummary[] }) => {
    if ('summarize' in event) return summarizeRun(event.summarize);
    received.push(event);
    const attempt = (attempts.get(event.batch) ?? 0) + 1;
    attempts.set(event.batch, attempt);
    const error = fail(event, attempt);
    if (error) throw error;
    return summarizeBatch(
      event.batch,
      event.sources.map((s) => ({ source: s.name, level: 'OK' as const })),
    );
  };
  return { handler, received };
}

const noSsm: TaskHandler = () => {
  throw new Error('this run was not expected to read an SSM parameter');
};
const noS3: TaskHandler = () => {
  throw new Error('this run was not expected to read an S3 object');
};

/** The machine with this stub function; a configuration read not given here fails the run. */
function run(
  input: unknown,
  check: { handler: TaskHandler },
  reads: { ssm?: TaskHandler; s3?: TaskHandler } = {},
): Promise<ExecutionResult> {
  const tasks = {
    HealthCheckFunctionArn: check.handler,
    [SSM_GET_PARAMETER]: reads.ssm ?? noSsm,
    [S3_GET_OBJECT]: reads.s3 ?? noS3,
  };
  return runStateMachine({ definitionPath: DEFINITION, timeScale: TIME_SCALE, input, tasks });
}

/** The top-level path: Map iterations carry an index, the machine's own states do not. */
const topLevel = (result: ExecutionResult) =>
  result.events
    .filter((e) => e.type === 'StateEntered' && e.index === undefined)
    .map((e) => String(e.stateName));

const ofType = (result: ExecutionResult, type: ExecutionEvent['type']) =>
  result.events.filter((e) => e.type === type);

/** A configuration read that fails its first call with `error` (one the machine retries), then answers. */
function failingOnce(error: Error, answer: unknown) {
  const asked: unknown[] = [];
  const handler: TaskHandler = async (parameters: unknown) => {
    asked.push(parameters);
    if (asked.length === 1) throw error;
    return answer;
  };
  return { asked, handler };
}

/** The configuration was asked for twice with the same request: the first failure retried once by `state`. */
function expectReadTwice(result: ExecutionResult, state: string, asked: unknown[], request: unknown): void {
  expect(asked).toEqual([request, request]);
  expect(ofType(result, 'StateRetried')).toEqual([
    expect.objectContaining({
      stateName: state,
      retry: expect.objectContaining({ attempt: 1 }),
    }),
  ]);
}

const ARRAY_PARTITION = /States\.ArrayPartition\(\$\.sources, (\d+)\)/;

describe('statemachines/health-check.asl.json paths (stub functions)', () => {
  it('the batch size, Map concurrency and source limit in the machine are the ones fleet.ts sizes', () => {
    const text = readFileSync(DEFINITION, 'utf8');
    const machine = JSON.parse(text) as {
      TimeoutSeconds: number;
      States: Record<string, { MaxConcurrency?: number; Choices?: { NumericGreaterThan?: number }[] }>;
    };
    expect(Number(ARRAY_PARTITION.exec(text)?.[1])).toBe(BATCH_SIZE);
    expect(machine.States.CheckSources?.MaxConcurrency).toBe(MAP_CONCURRENCY);
    expect(machine.States.ChooseFleetSize?.Choices?.[0]?.NumericGreaterThan).toBe(MAX_SOURCES);
    // An execution ends before the next one-minute schedule starts another.
    expect(machine.TimeoutSeconds).toBeLessThan(60);
  });

  it('an inline document with defaults: batches of 25 with the defaults; a batch that throws counts its sources failed, the others are checked', async () => {
    const check = checker((batch) =>
      batch.batch === 1 ? new InvalidInputError('defaults.renotifyMinutes', 'must be a number') : undefined,
    );
    const defaults = { thresholds: { retainedWal: { warning: '1MB', critical: '2MB' } } };
    const sources = Array.from({ length: 60 }, (_, i) => source(`db-${i}`));
    const result = await run({ defaults, sources }, check);

    expect(topLevel(result)).toEqual([
      'ChooseConfiguration',
      'ChooseDefaults',
      'PlanBatches',
      'ChooseFleetSize',
      'CheckSources',
      'Summarize',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      sources: 60,
      batches: 3,
      ok: 35,
      warning: 0,
      critical: 0,
      failed: 25,
      failures: [
        { source: 'batch 1', error: 'InvalidInputError', cause: 'none of its 25 sources was checked' },
      ],
      failuresOmitted: 0,
    });
    expect(check.received.map((e) => [e.batch, e.sources.length]).sort()).toEqual([
      [0, 25],
      [1, 25],
      [2, 10],
    ]);
    expect(check.received.flatMap((e) => e.sources.map((s) => s.name)).sort()).toEqual(
      sources.map((s) => s.name).sort(),
    );
    for (const event of check.received) expect(event.defaults).toEqual(defaults);
    expect(ofType(result, 'StateCaught')).toEqual([
      expect.objectContaining({
        stateName: 'CheckBatch',
        index: 1,
        caught: { errorEquals: ['States.ALL'], next: 'RecordBatchFailure' },
      }),
    ]);
    expect(ofType(result, 'StateRetried')).toEqual([]);
  });

  it('a document without defaults: NoDefaults hands every batch an empty object', async () => {
    const check = checker();
    const result = await run({ sources: [source('orders-db')] }, check);

    expect(topLevel(result)).toEqual([
      'ChooseConfiguration',
      'ChooseDefaults',
      'NoDefaults',
      'PlanBatches',
      'ChooseFleetSize',
      'CheckSources',
      'Summarize',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(check.received).toEqual([{ batch: 0, sources: [source('orders-db')], defaults: {} }]);
    expect(result.output).toMatchObject({ sources: 1, batches: 1, ok: 1, failed: 0 });
  });

  it('more than 1000 sources: the execution fails with TooManySources before anything is checked', async () => {
    const check = checker();
    const sources = Array.from({ length: MAX_SOURCES + 1 }, (_, i) => source(`db-${i}`));
    const result = await run({ sources }, check);

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'TooManySources',
      cause: expect.stringContaining('more than 1000 sources'),
    });
    expect(topLevel(result)).toEqual([
      'ChooseConfiguration',
      'ChooseDefaults',
      'NoDefaults',
      'PlanBatches',
      'ChooseFleetSize',
      'TooManySources',
    ]);
    expect(check.received).toEqual([]);
  });

  it('a configuration in SSM: a throttled read is retried, then the parameter document drives the run', async () => {
    const document = { defaults: { renotifyMinutes: 15 }, sources: [source('orders-db')] };
    const ssm = failingOnce(Object.assign(new Error('Rate exceeded'), { name: 'Ssm.ThrottlingException' }), {
      Parameter: { Name: '/dms-cdc/health', Type: 'String', Value: JSON.stringify(document) },
    });
    const check = checker();
    const result = await run({ configParameterName: '/dms-cdc/health' }, check, { ssm: ssm.handler });

    expect(topLevel(result)).toEqual([
      'ChooseConfiguration',
      'LoadConfiguration',
      'ChooseDefaults',
      'PlanBatches',
      'ChooseFleetSize',
      'CheckSources',
      'Summarize',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expectReadTwice(result, 'LoadConfiguration', ssm.asked, {
      Name: '/dms-cdc/health',
      WithDecryption: true,
    });
    expect(check.received).toEqual([
      { batch: 0, sources: [source('orders-db')], defaults: { renotifyMinutes: 15 } },
    ]);
    expect(result.output).toMatchObject({ sources: 1, ok: 1 });
  });

  it('a configuration in S3 (larger than an SSM parameter holds): a failed read is retried, then the object drives the run', async () => {
    const sources = Array.from({ length: 80 }, (_, i) => source(`db-${i}`));
    const s3 = failingOnce(
      Object.assign(new Error('Please reduce your request rate.'), { name: 'S3.S3Exception' }),
      { Body: JSON.stringify({ sources }), ContentType: 'application/json' },
    );
    const check = checker();
    const result = await run({ configObject: { bucket: 'ops-config', key: 'dms-cdc/health.json' } }, check, {
      s3: s3.handler,
    });

    expect(topLevel(result)).toEqual([
      'ChooseConfiguration',
      'LoadConfigurationObject',
      'ChooseDefaults',
      'NoDefaults',
      'PlanBatches',
      'ChooseFleetSize',
      'CheckSources',
      'Summarize',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expectReadTwice(result, 'LoadConfigurationObject', s3.asked, {
      Bucket: 'ops-config',
      Key: 'dms-cdc/health.json',
    });
    expect(result.output).toMatchObject({ sources: 80, batches: 4, ok: 80, failed: 0 });
  });

  it('a missing SSM parameter fails the execution with its error, without retrying or checking anything', async () => {
    const ssm: TaskHandler = async () => {
      throw Object.assign(new Error('Parameter /dms-cdc/health not found'), {
        name: 'Ssm.ParameterNotFoundException',
      });
    };
    const check = checker();
    const result = await run({ configParameterName: '/dms-cdc/health' }, check, { ssm });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'Ssm.ParameterNotFoundException',
      cause: 'Parameter /dms-cdc/health not found',
    });
    expect(topLevel(result)).toEqual(['ChooseConfiguration', 'LoadConfiguration']);
    expect(ofType(result, 'StateRetried')).toEqual([]);
    expect(check.received).toEqual([]);
  });

  it('a Lambda service error on one batch is retried and that batch is still checked', async () => {
    const check = checker((batch, attempt) =>
      batch.batch === 1 && attempt === 1
        ? Object.assign(new Error('Lambda was unable to run the function'), {
            name: 'Lambda.ServiceException',
          })
        : undefined,
    );
    const sources = Array.from({ length: 30 }, (_, i) => source(`db-${i}`));
    const result = await run({ defaults: {}, sources }, check);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ sources: 30, batches: 2, ok: 30, failed: 0, failures: [] });
    expect(ofType(result, 'StateRetried')).toEqual([
      expect.objectContaining({
        stateName: 'CheckBatch',
        index: 1,
        retry: expect.objectContaining({ attempt: 1 }),
      }),
    ]);
    expect(ofType(result, 'StateCaught')).toEqual([]);
    expect(check.received.map((e) => e.batch).sort()).toEqual([0, 1, 1]);
  });

  it('no sources: no batch is invoked and the summary counts zero', async () => {
    const check = checker();
    const result = await run({ defaults: {}, sources: [] }, check);

    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { sources: 0, batches: 0, ok: 0, failed: 0, failures: [] },
    });
    expect(check.received).toEqual([]);
  });
});
