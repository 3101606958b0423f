import type { Context } from 'aws-lambda';

/**
 * The Lambda context a handler gets, for handlers called in a test: 30 s left, whenever asked.
 * A test that looks for the request id in the logs names its own.
 */
export function lambdaTestContext(functionName: string, awsRequestId = 'it-request'): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
