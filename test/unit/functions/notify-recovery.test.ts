import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/notify-recovery.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { AlertMessage } from '../../../src/ports/alerts.js';
import { captureLogs, failure, lambdaContext, TASK_ARN, testLogger } from './support.js';

captureLogs();

function invoke(event: unknown, published: AlertMessage[]) {
  return makeHandler({
    alerts: {
      publish: async (alert) => {
        published.push(alert);
        return { messageId: 'm-1' };
      },
    },
    clock: { now: () => Date.parse('2026-03-01T12:00:00.000Z'), sleep: async () => undefined },
    logger: testLogger(),
  })(event, lambdaContext());
}

describe('notify-recovery handler', () => {
  it('publishes the message the pure builder makes from the execution state', async () => {
    const published: AlertMessage[] = [];
    const state = {
      input: { taskArn: TASK_ARN, slotName: 'dms_slot' },
      decided: {
        decision: {
          kind: 'DATA_GAP',
          reason: 'gone',
          lsns: {},
          atRisk: { from: '1/0', to: '2/0' },
          holder: null,
        },
      },
    };

    const result = await invoke({ kind: 'data-gap', state }, published);

    expect(result).toEqual({
      messageId: 'm-1',
      subject: '[RECOVERY DATA GAP] slot dms_slot: changes at risk 1/0 .. 2/0',
    });
    expect(published[0]?.attributes).toMatchObject({ severity: 'CRITICAL', kind: 'recovery-data-gap' });
  });

  it('refuses an unknown kind', async () => {
    const error = await failure(invoke({ kind: 'success', state: {} }, []));
    expect(error).toBeInstanceOf(InvalidInputError);
  });
});
