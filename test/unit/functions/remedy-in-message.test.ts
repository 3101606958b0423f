import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { lambda } from '../../../src/adapters/aws/lambda.js';
import { remedyInMessage } from '../../../src/adapters/aws/remedy-in-message.js';
import { InvalidInputError, OrchestratorError } from '../../../src/core/errors.js';
import { lambdaContext, testLogger } from './support.js';

class NoRemedyError extends OrchestratorError {
  override readonly name = 'NoRemedyError';
}

function throwing(error: unknown) {
  return middy<unknown, unknown>()
    .use(remedyInMessage())
    .handler(async () => {
      throw error;
    });
}

async function failure(error: unknown): Promise<unknown> {
  try {
    await throwing(error)({}, lambdaContext());
  } catch (thrown) {
    return thrown;
  }
  throw new Error('expected a failure');
}

describe('remedyInMessage', () => {
  it('appends the remedy to the message and keeps the name, the class and the remedy', async () => {
    const error = new InvalidInputError('slotName', 'must be lower case', 'Use dms_slot');

    const thrown = await failure(error);

    expect(thrown).toBe(error);
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({
      name: 'InvalidInputError',
      message: 'slotName: must be lower case Remedy: Use dms_slot',
      remedy: 'Use dms_slot',
    });
    // What the Node.js runtime serialises for Step Functions: errorType and errorMessage only.
    const { name, message } = thrown as Error;
    expect({ errorType: name, errorMessage: message }).toEqual({
      errorType: 'InvalidInputError',
      errorMessage: 'slotName: must be lower case Remedy: Use dms_slot',
    });
  });

  it('appends it once, however often the same error passes through', async () => {
    const error = new InvalidInputError('slotName', 'must be lower case', 'Use dms_slot');

    await failure(error);
    await failure(error);

    expect(error.message).toBe('slotName: must be lower case Remedy: Use dms_slot');
  });

  it('leaves errors without a remedy, and errors that are not the orchestrator own, unchanged', async () => {
    const plain = Object.assign(new Error('AccessDeniedException: no'), { name: 'AccessDeniedException' });

    expect(await failure(new NoRemedyError('nothing to suggest'))).toMatchObject({
      name: 'NoRemedyError',
      message: 'nothing to suggest',
    });
    expect(await failure(plain)).toMatchObject({
      name: 'AccessDeniedException',
      message: 'AccessDeniedException: no',
    });
  });

  it('is used by every Lambda handler in functions/', () => {
    const dir = path.resolve(import.meta.dirname, '../../../functions');
    const handlers = readdirSync(dir).filter((file) => file.endsWith('.ts'));
    expect(handlers.length).toBeGreaterThanOrEqual(14);
    // Directly, or through the shared chain of src/adapters/aws/lambda.ts (which the next test checks),
    // or through sourceLambda, which is that chain with the source session.
    const sourceChain = readFileSync(
      path.resolve(import.meta.dirname, '../../../src/adapters/aws/source-middleware.ts'),
      'utf8',
    );
    expect(sourceChain).toMatch(
      /function sourceLambda<Result>\([^)]*\) \{\n\s*return lambda<Result>\(deps\.logger\)/,
    );
    const missing = handlers.filter((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      return (
        !text.includes('.use(remedyInMessage())') &&
        !/\blambda<[^>]*>\(deps\.logger\)/.test(text) &&
        !/\bsourceLambda<[^>]*>\(deps, /.test(text)
      );
    });
    expect(missing).toEqual([]);
  });

  it('is in the shared handler chain', async () => {
    const error = new InvalidInputError('slotName', 'must be lower case', 'Use dms_slot');
    const handler = lambda<unknown>(testLogger()).handler(async () => {
      throw error;
    });

    await handler({}, lambdaContext()).catch(() => undefined);

    expect(error.message).toBe('slotName: must be lower case Remedy: Use dms_slot');
  });
});
