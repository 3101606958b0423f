import { describe, expect, it } from 'vitest';
import { SlotActiveError } from '../../../src/core/slot-errors.js';
import { bindTasks, missingHandlers } from '../../../src/local/stepfunctions/bindings.js';
import { parseDefinition } from '../../../src/local/stepfunctions/definition.js';
import { installPromiseWithResolvers } from '../../../src/local/stepfunctions/polyfill.js';
import {
  lambdaFunctionName,
  localLambdaArn,
  substitutePlaceholders,
} from '../../../src/local/stepfunctions/substitutions.js';
import { lambdaFailure, parseLambdaCause } from '../../../src/local/stepfunctions/task-errors.js';

describe('substitutePlaceholders', () => {
  const text =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: DefinitionSubstitutions placeholders
    '{"A": "${CreateCdcTaskFunctionArn}", "B": "${AlertsTopicArn}", "C": "${CreateCdcTaskFunctionArn}"}';

  it('uses explicit values first, then fake Lambda ARNs named after the placeholder', () => {
    const result = substitutePlaceholders(
      text,
      {
        substitutions: { AlertsTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts' },
        handlerNames: new Set(['CreateCdcTaskFunctionArn']),
      },
      'cutover.asl.json',
    );
    expect(JSON.parse(result)).toEqual({
      A: 'arn:aws:lambda:us-east-1:123456789012:function:CreateCdcTaskFunctionArn',
      B: 'arn:aws:sns:us-east-1:123456789012:alerts',
      C: 'arn:aws:lambda:us-east-1:123456789012:function:CreateCdcTaskFunctionArn',
    });
  });

  it('names every placeholder it has no value for', () => {
    expect(
      () => substitutePlaceholders(text, { substitutions: {}, handlerNames: new Set() }, 'cutover.asl.json'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: DefinitionSubstitutions placeholders
    ).toThrow('cutover.asl.json: no value for ${CreateCdcTaskFunctionArn}, ${AlertsTopicArn}');
  });

  it('refuses a handler name that cannot be a Lambda function name', () => {
    expect(() => localLambdaArn('has space')).toThrow(/cannot be a Lambda function name/);
  });
});

describe('lambdaFunctionName', () => {
  it.each([
    ['my-fn', 'my-fn'],
    ['my-fn:live', 'my-fn'],
    ['123456789012:function:my-fn', 'my-fn'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:my-fn', 'my-fn'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:my-fn:$LATEST', 'my-fn'],
  ])('%s -> %s', (input, name) => {
    expect(lambdaFunctionName(input)).toBe(name);
  });
});

describe('bindTasks', () => {
  const definition = parseDefinition(
    JSON.stringify({
      StartAt: 'Direct',
      States: {
        Direct: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Direct',
          Next: 'Invoke',
        },
        Invoke: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:Approve:live' },
          HeartbeatSeconds: 60,
          TimeoutSeconds: 3600,
          Next: 'Branches',
        },
        Branches: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Dynamic',
              States: {
                Dynamic: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { 'FunctionName.$': '$.fn' },
                  End: true,
                },
              },
            },
            {
              StartAt: 'Notify',
              States: {
                Notify: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    }),
    'test',
  );

  it('finds every Task, in Parallel branches too, with its integration and handler key', () => {
    const bindings = [...bindTasks(definition).values()];
    expect(bindings).toEqual([
      {
        stateName: 'Direct',
        integration: 'lambda',
        key: 'Direct',
        callback: false,
        timeoutSeconds: undefined,
        heartbeatSeconds: undefined,
      },
      {
        stateName: 'Invoke',
        integration: 'lambda-invoke',
        key: 'Approve',
        callback: true,
        timeoutSeconds: 3600,
        heartbeatSeconds: 60,
      },
      {
        stateName: 'Dynamic',
        integration: 'lambda-invoke',
        key: undefined,
        callback: false,
        timeoutSeconds: undefined,
        heartbeatSeconds: undefined,
      },
      {
        stateName: 'Notify',
        integration: 'service',
        key: 'arn:aws:states:::sns:publish',
        callback: true,
        timeoutSeconds: undefined,
        heartbeatSeconds: undefined,
      },
    ]);
  });

  it('lists the states whose static handler is missing', () => {
    expect(missingHandlers(bindTasks(definition), new Set(['Direct']))).toEqual([
      'Invoke -> Approve',
      'Notify -> arn:aws:states:::sns:publish',
    ]);
  });
});

describe('lambdaFailure', () => {
  it('is the Error/Cause pair Step Functions gets from a Node.js Lambda', () => {
    const thrown = new SlotActiveError('dms_slot', 77, null);
    const failure = lambdaFailure(thrown);
    expect(failure.name).toBe('SlotActiveError');
    expect(parseLambdaCause(failure.message)).toEqual({
      errorType: 'SlotActiveError',
      errorMessage: 'replication slot "dms_slot" is active for PID 77 (application_name not set)',
      trace: thrown.stack?.split('\n'),
    });
    // A thrown non-Error, as the runtime reports it.
    expect(JSON.parse(lambdaFailure('plain').message)).toEqual({
      errorType: 'string',
      errorMessage: 'plain',
      trace: [],
    });
  });

  it('reads only Lambda causes back', () => {
    expect(parseLambdaCause('the operator did not approve')).toBeUndefined();
    expect(parseLambdaCause('{"a":1}')).toBeUndefined();
    expect(parseLambdaCause(undefined)).toBeUndefined();
  });
});

describe('installPromiseWithResolvers', () => {
  type WithResolvers = PromiseConstructor & {
    withResolvers<T>(): { promise: Promise<T>; resolve(value: T): void; reject(reason: unknown): void };
  };

  it('adds a working withResolvers where it is missing', async () => {
    class Bare<T> extends Promise<T> {}
    Object.defineProperty(Bare, 'withResolvers', { value: undefined, configurable: true, writable: true });
    installPromiseWithResolvers(Bare as unknown as PromiseConstructor);
    const ok = (Bare as unknown as WithResolvers).withResolvers<number>();
    const ko = (Bare as unknown as WithResolvers).withResolvers<number>();
    expect(ok.promise).toBeInstanceOf(Bare);
    ok.resolve(7);
    ko.reject(new Error('no'));
    await expect(ok.promise).resolves.toBe(7);
    await expect(ko.promise).rejects.toThrow('no');
  });

  it('leaves an existing implementation alone', () => {
    const own = () => 'native';
    class Native<T> extends Promise<T> {}
    Object.defineProperty(Native, 'withResolvers', { value: own, configurable: true, writable: true });
    installPromiseWithResolvers(Native as unknown as PromiseConstructor);
    expect((Native as unknown as { withResolvers: unknown }).withResolvers).toBe(own);
  });

  it('is installed on the global Promise when the module loads', () => {
    expect(typeof (Promise as unknown as Partial<WithResolvers>).withResolvers).toBe('function');
  });
});
