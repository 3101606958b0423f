import * as z from 'zod';
import { NOTIFICATION_KINDS } from '../../../core/cutover/notifications.js';
import { InvalidInputError } from '../../../core/errors.js';
import { parseLambdaInput } from '../lambda-input.js';

/**
 * The cutover notification's input. Each notifying function's input has a file of its own (alarm.ts,
 * recovery-notify.ts), so that no function loads the other notification modules and their state machines.
 */

const CutoverNotifyInput = z.strictObject({
  kind: z.enum(NOTIFICATION_KINDS),
  /** The whole execution state: read field by field, never published as it is. */
  state: z.record(z.string(), z.unknown()),
  /** $$.Task.Token of a .waitForTaskToken state (SendTaskSuccess allows up to 2048 characters). */
  taskToken: z.string().min(1).max(2048).optional(),
});
export type CutoverNotifyInput = z.output<typeof CutoverNotifyInput>;

/** The cutover notification to send; an approval request without its task token could never be answered. */
export function parseCutoverNotify(event: unknown): CutoverNotifyInput {
  const input = parseLambdaInput(CutoverNotifyInput, event);
  if (input.kind === 'approval-request' && input.taskToken === undefined) {
    throw new InvalidInputError(
      'taskToken',
      'is required for an approval request',
      'Pass "taskToken.$": "$$.Task.Token" from a lambda:invoke.waitForTaskToken state',
    );
  }
  return input;
}
