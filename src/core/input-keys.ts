import type { z } from 'zod';
import { InvalidInputError } from './errors.js';

/**
 * Strict inputs: what a rejected input is told. An unknown key is named with its
 * path (a typo must never fall back to a default silently), and a key named like a password is
 * refused anywhere in an input: credentials live in Secrets Manager (or PGPASSWORD / ~/.pgpass for
 * the CLI), never in a Lambda payload, an execution input or a config file that ends up in logs,
 * the execution history and version control. Values are never echoed.
 */
const PASSWORD_KEY = /passw(?:or)?d|^pwd$|^pass$|^secret(?:string|value)?$/i;

/** The path of the first key named like a password, or undefined. */
export function passwordKeyPath(value: unknown, path: readonly string[] = []): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = passwordKeyPath(item, [...path, String(i)]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (PASSWORD_KEY.test(key)) return [...path, key].join('.');
    const found = passwordKeyPath(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Refuses an input that carries a key named like a password. */
export function refusePasswordKeys(value: unknown, root: string): void {
  const path = passwordKeyPath(value);
  if (path === undefined) return;
  throw new InvalidInputError(
    root ? `${root}.${path}` : path,
    'a password may not be given in an input',
    'Keep credentials in Secrets Manager and pass the secret ARN (source.secretArn); the CLI reads PGPASSWORD or ~/.pgpass',
  );
}

/** The field and message of a zod issue: an unknown key is named itself, not its parent object. */
export function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  root: string,
): { readonly field: string; readonly message: string } {
  if (!issue) return { field: root, message: 'is invalid' };
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    const field = [...path, key].join('.');
    return {
      field: root ? `${root}.${field}` : field,
      message: `is not a known field${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1, 4).join(', ')})` : ''}: check its spelling`,
    };
  }
  const field = path.join('.');
  return { field: field ? (root ? `${root}.${field}` : field) : root || 'input', message: issue.message };
}
