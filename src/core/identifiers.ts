import { InvalidInputError } from './errors.js';

// PostgreSQL: replication slot names may contain only lower-case letters, digits and
// underscores, and are at most NAMEDATALEN - 1 = 63 bytes (ReplicationSlotValidateName).
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;

/** Validates a replication slot name exactly as PostgreSQL does, naming the field on failure. */
export function validateSlotName(value: unknown, field = 'slotName'): string {
  if (typeof value !== 'string' || !SLOT_NAME.test(value)) {
    throw new InvalidInputError(
      field,
      `${JSON.stringify(value) ?? String(value)} is not a valid replication slot name`,
      'Use 1 to 63 characters, each a lower-case letter, a digit or an underscore, e.g. dms_orders_slot',
    );
  }
  return value;
}
