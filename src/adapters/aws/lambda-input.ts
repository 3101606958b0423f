import type { z } from 'zod';
import { InvalidInputError } from '../../core/errors.js';

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
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : root;
  throw new InvalidInputError(field, issue?.message ?? 'is invalid');
}
