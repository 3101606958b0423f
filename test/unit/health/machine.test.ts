import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  type ExecutionEvent,
  type ExecutionResult,
  runStateMachine,
  type TaskHandler,
} from '../../../src/local/stepfunctions/index.js';

/**
 * Every path of statemachines/health-check.asl.json with stub functions (no database, no AWS): where
 * the configuration comes from, defaults or none, a source that fails alone, retries of SSM and
 * Lambda errors. The real handler against PostgreSQL is in test/e2e/health-check.test.ts.
 */
const DEFINITION = fileURLToPath(new URL('../../../statemachines/health-check.asl.json', import.meta.url));
const SSM_GET_PARAMETER = 'arn:aws:states:::aws-sdk:ssm:getParameter';
// Retry intervals of 1 s, 2 s, ... become 1 ms, 2 ms.
const TIME_SCALE = 0.001;

const source = (name: string) => ({
  name,
  secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/${name}-AbCdEf`,
});

interface CheckEvent {
  readonly source: { readonly name: string };
  readonly defaults: unknown;
}

/** A stub health-check function: what each source's invocation received, and a scripted answer. */
function checker(fail: (name: string, attempt: number) => Error | undefined = () => undefined) {
  const received: CheckEvent[] = [];
  const attempts = new Map<string, number>();
  const handler: TaskHandler = async (event: CheckEvent) => {
    received.push(event);
    const name = event.source.name;
    const attempt = (attempts.get(name) ?? 0) + 1;
    attempts.set(name, attempt);
    const error = fail(name, attempt);
    if (error) throw error;
    return { source: name, status: 'CHECKED', state: 'OK', slots: 1 };
  };
  return { handler, received };
}

const noSsm: TaskHandler = () => {
  throw new Error('this run was not expected to read an SSM parameter');
};

function run(input: unknown, tasks: Record<string, TaskHandler>): Promise<ExecutionResult> {
  return runStateMachine({ definitionPath: DEFINITION, timeScale: TIME_SCALE, input, tasks });
}

/** The top-level path: Map iterations carry an index, the machine's own states do not. */
const topLevel = (result: ExecutionResult) =>
  result.events
    .filter((e) => e.type === 'StateEntered' && e.index === undefined)
    .map((e) => String(e.stateName));

const ofType = (result: ExecutionResult, type: ExecutionEvent['type']) =>
  result.events.filter((e) => e.type === type);

describe('statemachines/health-check.asl.json paths (stub functions)', () => {
  it('an inline document with defaults: each source gets them; one that throws is recorded FAILED, the others are checked', async () => {
    const check = checker((name) =>
      name === 'broken-db' ? new InvalidInputError('source.slots', 'must be a list') : undefined,
    );
    const defaults = { thresholds: { retainedWal: { warning: '1MB', critical: '2MB' } } };
    const result = await run(
      { defaults, sources: [source('orders-db'), source('broken-db'), source('billing-db')] },
      { HealthCheckFunctionArn: check.handler, [SSM_GET_PARAMETER]: noSsm },
    );

    expect(topLevel(result)).toEqual(['ChooseConfiguration', 'ChooseDefaults', 'CheckSources', 'Summarize']);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      sources: 3,
      results: [
        { source: 'orders-db', status: 'CHECKED', state: 'OK', slots: 1 },
        {
          status: 'FAILED',
          input: source('broken-db'),
          error: 'InvalidInputError',
          cause: expect.stringContaining('source.slots: must be a list'),
        },
        { source: 'billing-db', status: 'CHECKED', state: 'OK', slots: 1 },
      ],
    });
    expect(check.received).toHaveLength(3);
    for (const event of check.received) expect(event.defaults).toEqual(defaults);
    expect(ofType(result, 'StateCaught')).toEqual([
      expect.objectContaining({
        stateName: 'CheckSource',
        index: 1,
        caught: { errorEquals: ['States.ALL'], next: 'RecordFailure' },
      }),
    ]);
    expect(ofType(result, 'StateRetried')).toEqual([]);
  });

  it('a document without defaults: NoDefaults hands every check an empty object', async () => {
    const check = checker();
    const result = await run(
      { sources: [source('orders-db')] },
      { HealthCheckFunctionArn: check.handler, [SSM_GET_PARAMETER]: noSsm },
    );

    expect(topLevel(result)).toEqual([
      'ChooseConfiguration',
      'ChooseDefaults',
      'NoDefaults',
      'CheckSources',
      'Summarize',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(check.received).toEqual([{ source: source('orders-db'), defaults: {} }]);
    expect(result.output).toMatchObject({
      sources: 1,
      results: [{ source: 'orders-db', status: 'CHECKED' }],
    });
  });

  it('a configuration in SSM: a throttled read is retried, then the parameter document drives the run', async () => {
    const asked: unknown[] = [];
    const ssm: TaskHandler = async (parameters: unknown) => {
      asked.push(parameters);
      if (asked.length === 1) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'Ssm.ThrottlingException' });
      }
      const document = { defaults: { renotifyMinutes: 15 }, sources: [source('orders-db')] };
      return { Parameter: { Name: '/dms-cdc/health', Type: 'String', Value: JSON.stringify(document) } };
    };
    const check = checker();
    const result = await run(
      { configParameterName: '/dms-cdc/health' },
      { HealthCheckFunctionArn: check.handler, [SSM_GET_PARAMETER]: ssm },
    );

    expect(topLevel(result)).toEqual([
      'ChooseConfiguration',
      'LoadConfiguration',
      'ChooseDefaults',
      'CheckSources',
      'Summarize',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(asked).toEqual([
      { Name: '/dms-cdc/health', WithDecryption: true },
      { Name: '/dms-cdc/health', WithDecryption: true },
    ]);
    expect(ofType(result, 'StateRetried')).toEqual([
      expect.objectContaining({
        stateName: 'LoadConfiguration',
        retry: expect.objectContaining({ attempt: 1 }),
      }),
    ]);
    expect(check.received).toEqual([{ source: source('orders-db'), defaults: { renotifyMinutes: 15 } }]);
    expect(result.output).toMatchObject({ sources: 1 });
  });

  it('a missing SSM parameter fails the execution with its error, without retrying or checking anything', async () => {
    const ssm: TaskHandler = async () => {
      throw Object.assign(new Error('Parameter /dms-cdc/health not found'), {
        name: 'Ssm.ParameterNotFoundException',
      });
    };
    const check = checker();
    const result = await run(
      { configParameterName: '/dms-cdc/health' },
      { HealthCheckFunctionArn: check.handler, [SSM_GET_PARAMETER]: ssm },
    );

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'Ssm.ParameterNotFoundException',
      cause: 'Parameter /dms-cdc/health not found',
    });
    expect(topLevel(result)).toEqual(['ChooseConfiguration', 'LoadConfiguration']);
    expect(ofType(result, 'StateRetried')).toEqual([]);
    expect(check.received).toEqual([]);
  });

  it('a Lambda service error on one source is retried and that source is still checked', async () => {
    const check = checker((name, attempt) =>
      name === 'billing-db' && attempt === 1
        ? Object.assign(new Error('Lambda was unable to run the function'), {
            name: 'Lambda.ServiceException',
          })
        : undefined,
    );
    const result = await run(
      { defaults: {}, sources: [source('orders-db'), source('billing-db')] },
      { HealthCheckFunctionArn: check.handler, [SSM_GET_PARAMETER]: noSsm },
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      sources: 2,
      results: [
        { source: 'orders-db', status: 'CHECKED' },
        { source: 'billing-db', status: 'CHECKED' },
      ],
    });
    expect(ofType(result, 'StateRetried')).toEqual([
      expect.objectContaining({
        stateName: 'CheckSource',
        index: 1,
        retry: expect.objectContaining({ attempt: 1 }),
      }),
    ]);
    expect(ofType(result, 'StateCaught')).toEqual([]);
    expect(check.received.map((e) => e.source.name).sort()).toEqual([
      'billing-db',
      'billing-db',
      'orders-db',
    ]);
  });

  it('no sources: nothing is invoked and the summary counts zero', async () => {
    const check = checker();
    const result = await run(
      { defaults: {}, sources: [] },
      { HealthCheckFunctionArn: check.handler, [SSM_GET_PARAMETER]: noSsm },
    );

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { sources: 0, results: [] } });
    expect(topLevel(result)).toEqual(['ChooseConfiguration', 'ChooseDefaults', 'CheckSources', 'Summarize']);
    expect(check.received).toEqual([]);
  });
});
