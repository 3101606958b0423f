import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as makeInspectSlotHandler } from '../../functions/inspect-slot.js';
import {
  AslValidationError,
  DefinitionError,
  type ExecutionEvent,
  type ExecutionResult,
  type ExecutionSettings,
  MissingTaskHandlerError,
  parseLambdaCause,
  runStateMachine,
  startExecution,
  type TaskHandlers,
  TaskTokenError,
} from '../../src/local/stepfunctions/index.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { loopbackSecret } from '../support/secrets.js';
import {
  makeCheckTableHandler,
  makePrepareSourceHandler,
  makeRequestApprovalHandler,
  makeStartCdcTaskHandler,
} from './fixtures/handlers.js';

const CUTOVER = fileURLToPath(new URL('./fixtures/runner-cutover.asl.json', import.meta.url));
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/runner-source-AbCdEf';
// 30 s of Wait and 2 s + 4 s of Retry backoff become 30 ms and 6 ms.
const TIME_SCALE = 0.001;

let primary: PgNode;

beforeAll(async () => {
  primary = await primaryForFile({ name: 'runner' });
  await primary.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
});

interface Fixture {
  readonly tasks: TaskHandlers;
  readonly prepareCalls: { count: number };
  readonly checked: Array<{ table: string; position: number }>;
  readonly approvals: Array<{ taskToken: string; execution: string; error: string; cause: string }>;
}

/** The real inspect-slot handler with Secrets Manager replaced by a store that knows one secret. */
function inspectSlot() {
  return makeInspectSlotHandler({
    secrets: {
      async getSecretString(secretId) {
        if (secretId !== SECRET_ARN) throw new Error(`unexpected secret ${secretId}`);
        return loopbackSecret(primary.port);
      },
    },
    logger: new Logger({ serviceName: 'runner-test', logLevel: 'SILENT' }),
    // Loopback only: connectionFromSecret refuses `disable` for any other host.
    env: { SOURCE_SECRET_ARN: SECRET_ARN, SOURCE_TLS: 'disable' },
  });
}

function fixture(options: { failuresBeforeSuccess?: number; activePid?: number | null } = {}): Fixture {
  const prepareCalls = { count: 0 };
  const checked: Fixture['checked'] = [];
  const approvals: Fixture['approvals'] = [];
  return {
    prepareCalls,
    checked,
    approvals,
    tasks: {
      PrepareSourceFunctionArn: makePrepareSourceHandler({
        failuresBeforeSuccess: options.failuresBeforeSuccess ?? 2,
        calls: prepareCalls,
      }),
      InspectSlotFunctionArn: inspectSlot(),
      CheckTableFunctionArn: makeCheckTableHandler({ checked }),
      StartCdcTaskFunctionArn: makeStartCdcTaskHandler({ activePid: options.activePid ?? null }),
      RequestApprovalFunctionArn: makeRequestApprovalHandler({ requests: approvals }),
    },
  };
}

const INPUT = {
  mode: 'cutover',
  source: 'orders-db',
  slotName: 'dms_slot',
  tables: ['public.orders', 'public.customers', 'public.audit_log'],
};

function run(tasks: TaskHandlers, extra: Partial<ExecutionSettings> = {}): Promise<ExecutionResult> {
  return runStateMachine({ definitionPath: CUTOVER, tasks, input: INPUT, timeScale: TIME_SCALE, ...extra });
}

function ofState(
  result: ExecutionResult,
  stateName: string,
  type?: ExecutionEvent['type'],
): ExecutionEvent[] {
  return result.events.filter((e) => e.stateName === stateName && (type === undefined || e.type === type));
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

describe('runStateMachine on a test ASL with real handlers', () => {
  it('retries PrepareSource by error name, shortens the Wait, inspects the slot, maps the tables', async () => {
    const f = fixture();
    const result = await run(f.tasks);

    expect(result.status).toBe('SUCCEEDED');
    // Retry: two SourceUnreachableError failures, retried by name, then success on the third call.
    expect(f.prepareCalls.count).toBe(3);
    const failures = ofState(result, 'PrepareSource', 'StateFailed');
    expect(failures.map((e) => e.error)).toEqual(['SourceUnreachableError', 'SourceUnreachableError']);
    expect(parseLambdaCause(failures[0]?.cause)?.errorMessage).toBe(
      'connect ECONNREFUSED to orders-db (attempt 1)',
    );
    const retries = ofState(result, 'PrepareSource', 'StateRetried');
    expect(retries.map((e) => e.retry)).toEqual([
      { attempt: 1, errorEquals: ['SourceUnreachableError'] },
      { attempt: 2, errorEquals: ['SourceUnreachableError'] },
    ]);
    // Scaled backoff: 2 s then 4 s became 2 ms then 4 ms (timestamps are whole milliseconds).
    const [first, second] = failures;
    const [retry1, retry2] = retries;
    expect((retry1?.timestamp ?? 0) - (first?.timestamp ?? 0)).toBeGreaterThanOrEqual(1);
    expect((retry2?.timestamp ?? 0) - (second?.timestamp ?? 0)).toBeGreaterThanOrEqual(3);

    // Wait: 30 s in the file, 30 ms here, and still reported as a Wait state.
    const entered = only(ofState(result, 'LetWritesSettle', 'StateEntered'));
    const exited = only(ofState(result, 'LetWritesSettle', 'StateExited'));
    expect(entered.stateType).toBe('Wait');
    expect(exited.timestamp - entered.timestamp).toBeGreaterThanOrEqual(29);
    expect(exited.timestamp - entered.timestamp).toBeLessThan(500);
    expect(exited.output).toEqual(entered.input);

    // lambda:invoke of functions/inspect-slot.ts: the Payload came back through ResultSelector.
    const output = result.output as { inspected: { slot: Record<string, unknown> } };
    expect(output.inspected.slot).toMatchObject({
      slotName: 'dms_slot',
      plugin: 'test_decoding',
      active: false,
    });

    // Map: one handler call per item, with $$.Map.Item.Index, results in order.
    expect([...f.checked].sort((a, b) => a.position - b.position)).toEqual([
      { table: 'public.orders', position: 0 },
      { table: 'public.customers', position: 1 },
      { table: 'public.audit_log', position: 2 },
    ]);
    expect((result.output as { tableChecks: unknown }).tableChecks).toEqual([
      { table: 'public.orders', hasPrimaryKey: true },
      { table: 'public.customers', hasPrimaryKey: true },
      { table: 'public.audit_log', hasPrimaryKey: false },
    ]);
    const iterations = result.events.filter((e) => e.type === 'MapIterationSucceeded');
    expect(iterations.map((e) => e.index).sort()).toEqual([0, 1, 2]);
    expect(
      ofState(result, 'CheckTable', 'StateEntered')
        .map((e) => e.index)
        .sort(),
    ).toEqual([0, 1, 2]);

    expect(ofState(result, 'Done', 'StateEntered')).toHaveLength(1);
    // ChooseMode, PrepareSource, 2 retries, LetWritesSettle, InspectSlot, CheckTables, 3 x CheckTable,
    // StartCdcTask, Done.
    expect(result.transitions).toBe(12);
  });

  it('takes the Choice default without calling any handler', async () => {
    const f = fixture();
    const result = await run(f.tasks, { input: { ...INPUT, mode: 'dry-run' } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.events.filter((e) => e.type === 'StateEntered').map((e) => e.stateName)).toEqual([
      'ChooseMode',
      'NothingToDo',
    ]);
    expect(f.prepareCalls.count).toBe(0);
  });

  it('catches SlotNotFoundError from the real inspect-slot handler by name', async () => {
    const f = fixture();
    const result = await run(f.tasks, { input: { ...INPUT, slotName: 'no_such_slot' } });

    expect(result).toMatchObject({ status: 'FAILED', error: 'SlotMissing' });
    const caught = only(ofState(result, 'InspectSlot', 'StateCaught'));
    expect(caught.caught).toEqual({ errorEquals: ['SlotNotFoundError'], next: 'SlotMissing' });
    const failed = only(ofState(result, 'InspectSlot', 'StateFailed'));
    expect(failed.error).toBe('SlotNotFoundError');
    expect(parseLambdaCause(failed.cause)).toMatchObject({
      errorType: 'SlotNotFoundError',
      // The handlers' remedyInMessage middleware puts the remedy into the message Lambda serialises.
      errorMessage: `replication slot "no_such_slot" does not exist on postgres@127.0.0.1:${primary.port}/postgres (tls disable) Remedy: ${failed.remedy}`,
    });
    expect(failed.remedy).toMatch(/^Check the slot name/);
    expect(f.checked).toEqual([]);
  });

  it('catches SlotActiveError by name and waits for the operator to answer the task token', async () => {
    const f = fixture({ activePid: 4242 });
    const tokens: string[] = [];
    const result = await run(f.tasks, {
      executionName: 'cutover-42',
      onTaskToken: (request, callbacks) => {
        tokens.push(request.token);
        expect(request.stateName).toBe('AskOperator');
        // Answer later, as a person would, not inside the callback.
        setTimeout(() => callbacks.sendTaskSuccess(request.token, { terminateStaleBackend: true }), 5);
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    const caught = only(ofState(result, 'StartCdcTask', 'StateCaught'));
    expect(caught.caught).toEqual({ errorEquals: ['SlotActiveError'], next: 'AskOperator' });
    // The Catch output carries Error and the Lambda-style Cause; the approval function got both,
    // plus the token and the execution name from the context object.
    const request = only(f.approvals);
    expect(request.taskToken).toBe(only(tokens));
    expect(request.execution).toBe('cutover-42');
    expect(request.error).toBe('SlotActiveError');
    expect(parseLambdaCause(request.cause)?.errorMessage).toBe(
      'replication slot "dms_slot" is active for PID 4242 (application_name "pg_recvlogical")',
    );
    expect((result.output as { approval: unknown }).approval).toEqual({ terminateStaleBackend: true });
    expect(ofState(result, 'Done', 'StateEntered')).toHaveLength(1);
  });

  it('fails the gate with the error the operator sends, caught by name', async () => {
    const f = fixture({ activePid: 4242 });
    const execution = startExecution({
      definitionPath: CUTOVER,
      tasks: f.tasks,
      input: INPUT,
      timeScale: TIME_SCALE,
      onTaskToken: ({ token }) => {
        setTimeout(
          () => execution.sendTaskFailure(token, { error: 'Rejected', cause: 'not during business hours' }),
          5,
        );
      },
    });
    const result = await execution.result;

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'NotApproved',
      cause: 'the operator did not approve',
    });
    const failed = only(ofState(result, 'AskOperator', 'StateFailed'));
    expect(failed).toMatchObject({ error: 'Rejected', cause: 'not during business hours' });
    // The token is spent: answering it again is the API's TaskDoesNotExist.
    const token = only(f.approvals).taskToken;
    expect(() => execution.sendTaskSuccess(token, {})).toThrow(TaskTokenError);
  });

  it('rejects the run when onTaskToken throws: a mistake in the test, not in the machine', async () => {
    const f = fixture({ activePid: 4242 });
    const mistake = new Error('the test could not answer');
    const result = run(f.tasks, {
      onTaskToken: () => {
        throw mistake;
      },
    });
    await expect(result).rejects.toBe(mistake);
  });

  it('streams each event to onEvent as it happens, the same as the final log', async () => {
    const streamed: ExecutionEvent[] = [];
    const result = await run(fixture().tasks, { onEvent: (event) => streamed.push(event) });
    expect(streamed).toEqual(result.events);
    expect(streamed[0]?.type).toBe('ExecutionStarted');
    expect(streamed.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('stops on the signal while the gate waits', async () => {
    const f = fixture({ activePid: 4242 });
    const controller = new AbortController();
    const result = await run(f.tasks, { signal: controller.signal, onTaskToken: () => controller.abort() });
    expect(result.status).toBe('ABORTED');
    expect(result.events.at(-1)?.type).toBe('ExecutionAborted');
  });

  it("fails with the handler's error once MaxAttempts retries are spent", async () => {
    const f = fixture({ failuresBeforeSuccess: 10 });
    const result = await run(f.tasks);
    expect(result).toMatchObject({ status: 'FAILED', error: 'SourceUnreachableError' });
    expect(f.prepareCalls.count).toBe(4);
    expect(ofState(result, 'PrepareSource', 'StateRetried')).toHaveLength(3);
  });

  it('leaves the definition file exactly as it was', async () => {
    const before = await readFile(CUTOVER, 'utf8');
    await run(fixture().tasks);
    expect(await readFile(CUTOVER, 'utf8')).toBe(before);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder
    expect(before).toContain('"Resource": "${PrepareSourceFunctionArn}"');
  });
});

describe('runStateMachine refuses a setup it cannot run faithfully', () => {
  it('names a placeholder that has neither a handler nor a substitution', async () => {
    const { tasks } = fixture();
    const { RequestApprovalFunctionArn: _dropped, ...fewer } = tasks;
    await expect(run(fewer)).rejects.toThrow(
      /no value for \$\{RequestApprovalFunctionArn\}; pass a task handler under that name/,
    );
  });

  it('names the Task state whose substituted ARN has no handler', async () => {
    const { tasks } = fixture();
    const { StartCdcTaskFunctionArn: _renamed, ...fewer } = tasks;
    const result = run(fewer, {
      substitutions: {
        StartCdcTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dms-cdc-dev-startCdcTask',
      },
    });
    await expect(result).rejects.toBeInstanceOf(MissingTaskHandlerError);
    await expect(result).rejects.toThrow(/StartCdcTask -> dms-cdc-dev-startCdcTask/);
    // The same handler registered under the deployed function name runs.
    const renamed = await run(
      { ...fewer, 'dms-cdc-dev-startCdcTask': makeStartCdcTaskHandler({ activePid: null }) },
      {
        substitutions: {
          StartCdcTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dms-cdc-dev-startCdcTask',
        },
      },
    );
    expect(renamed.status).toBe('SUCCEEDED');
  });

  it('reports asl-validator errors with the origin', async () => {
    const definition = {
      StartAt: 'Missing',
      States: { Only: { Type: 'Pass', Next: 'Nowhere' } },
    };
    const result = runStateMachine({ definition, tasks: {} });
    await expect(result).rejects.toBeInstanceOf(AslValidationError);
    await expect(result).rejects.toThrow(/definition is not a valid state machine/);
    await expect(result).rejects.toThrow(/Nowhere/);
  });

  it('refuses JSONata and variables rather than running them differently', async () => {
    const definition = {
      StartAt: 'Remember',
      States: { Remember: { Type: 'Pass', Assign: { slot: 'dms_slot' }, End: true } },
    };
    await expect(runStateMachine({ definition, tasks: {} })).rejects.toThrow(/Assign: variables/);
  });

  it('is a DefinitionError when the file is not JSON after substitution', async () => {
    await expect(runStateMachine({ definition: '{"StartAt": ', tasks: {} })).rejects.toBeInstanceOf(
      DefinitionError,
    );
  });
});
