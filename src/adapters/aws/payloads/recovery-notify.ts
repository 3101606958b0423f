import * as z from 'zod';
import { RECOVERY_NOTIFICATION_KINDS } from '../../../core/recovery/notifications.js';

/** The recover machine's notification input. */
export const RecoveryNotifyInput = z.strictObject({
  kind: z.enum(RECOVERY_NOTIFICATION_KINDS),
  /** The whole execution state: read field by field, never published as it is. */
  state: z.record(z.string(), z.unknown()),
});
