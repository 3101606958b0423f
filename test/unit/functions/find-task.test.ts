import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/find-task.js';
import { cdcTaskIdentifier } from '../../../src/core/dms/identifiers.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { Dms, Task, TaskStatus } from '../../../src/ports/dms.js';

const logger = new Logger({ logLevel: 'SILENT' });
const context = { functionName: 'find-task', awsRequestId: 'r' } as Context;
const input = { identifierPrefix: 'orders', sourceName: 'orders', slotName: 'dms_orders' };

function dmsWith(status: TaskStatus | undefined): { dms: Dms; asked: string[] } {
  const asked: string[] = [];
  const dms = {
    findTask: async (identifier: string) => {
      asked.push(identifier);
      return status === undefined
        ? undefined
        : ({ arn: 'arn:aws:dms:eu-west-1:123456789012:task:T', status } as Task);
    },
  } as unknown as Dms;
  return { dms, asked };
}

describe('find-task', () => {
  it('looks the task up by the identifier create-cdc-task derives', async () => {
    const { dms, asked } = dmsWith(undefined);
    const result = await makeHandler({ dms, logger })(input, context);
    const identifier = cdcTaskIdentifier({ prefix: 'orders', sourceName: 'orders', slotName: 'dms_orders' });
    expect(asked).toEqual([identifier]);
    expect(result).toEqual({
      taskIdentifier: identifier,
      exists: false,
      taskArn: null,
      status: null,
      replicating: false,
    });
  });

  it.each([
    ['running', true],
    ['starting', true],
    ['ready', false],
    ['stopped', false],
    ['failed', false],
  ] as const)('a %s task is replicating: %s', async (status, replicating) => {
    const result = await makeHandler({ dms: dmsWith(status).dms, logger })(input, context);
    expect(result).toMatchObject({
      exists: true,
      status,
      replicating,
      taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:T',
    });
  });

  it('names the bad field', async () => {
    await expect(
      makeHandler({ dms: dmsWith(undefined).dms, logger })({ ...input, slotName: 'Bad' }, context),
    ).rejects.toThrow(InvalidInputError);
  });
});
