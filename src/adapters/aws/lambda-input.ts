import type { z } from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import { describeIssue, refusePasswordKeys } from '../../core/input-keys.js';

/**
 * Validates a Lambda payload (or environment) against a zod schema. The first problem becomes an
 * InvalidInputError naming the field by its path (`slotName`, `options.database`, ...), so a Step
 * Functions Catch on `InvalidInputError` and a human both see what to fix. Values are not echoed:
 * a payload can carry things that must not reach a log.
 */
export function parseLambdaInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  root = 'input',
): z.output<Schema> {
  // The environment holds what the stack set, never a payload: only inputs are checked for keys.
  if (root !== 'environment') refusePasswordKeys(input, '');
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { field, message } = describeIssue(parsed.error.issues[0], '');
  throw new InvalidInputError(field === '' || field === 'input' ? root : field, message);
}
