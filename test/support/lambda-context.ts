import type { Context } from 'aws-lambda';

/** The Lambda context a handler gets, for handlers called in a test: 30 s left, whenever asked. */
export function lambdaTestContext(functionName: string): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'it-request',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
