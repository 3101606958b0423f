import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { orchestratorTags } from '../../../src/adapters/aws/lambda-schemas.js';

const require = createRequire(import.meta.url);
const { parse } = require('../../../src/deploy/recovery-task-arns.cjs') as {
  parse: (text: unknown) => string;
};

const TASK = 'arn:aws:dms:eu-west-1:123456789012:task:ABCDEF123';

describe('orchestratorTags: dms-cdc-stack, the tag start-task and stop-task require', () => {
  it('comes from the stack, never from the caller', () => {
    expect(
      orchestratorTags('orders', 'dms_slot', { 'dms-cdc-stack': 'other-stack', team: 'data' }, 'svc-prod'),
    ).toEqual({
      team: 'data',
      'managed-by': 'dms-cdc-orchestrator',
      'dms-cdc-stack': 'svc-prod',
      'dms-cdc-source': 'orders',
      'dms-cdc-slot': 'dms_slot',
    });
  });

  it('is absent without a stack (local mode), even when the caller names one', () => {
    expect(orchestratorTags('orders', 'dms_slot', { 'dms-cdc-stack': 'svc-prod' })).not.toHaveProperty(
      'dms-cdc-stack',
    );
  });
});

describe('RecoveryTaskArns: the task ARNs recoveryRoutes names (src/deploy/recovery-task-arns.cjs)', () => {
  const route = (taskArn: string) => ({ taskArn, source: { secretArn: 's', database: 'd' }, slotName: 'x' });

  it('lists each route task once, comma-separated, and nothing for no routes', () => {
    expect(parse(JSON.stringify({ routes: [route(TASK), route(TASK), route(`${TASK}9`)] }))).toBe(
      `${TASK},${TASK}9`,
    );
    expect(parse('{"routes":[]}')).toBe('');
    expect(parse('')).toBe('');
  });

  it('stops packaging on anything but a DMS task ARN', () => {
    expect(() =>
      parse(JSON.stringify({ routes: [route('arn:aws:dms:eu-west-1:123456789012:task:*')] })),
    ).toThrow('recoveryRoutes.routes.0.taskArn must be a DMS task ARN');
    expect(() => parse('{not json')).toThrow('recoveryRoutes is not JSON');
  });
});
