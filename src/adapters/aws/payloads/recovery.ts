import * as z from 'zod';

/** The EventBridge event the recovery rules deliver (only what routing reads is checked). */
export const RecoveryEvent = z.looseObject({
  id: z.string().optional(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string().optional(),
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()).default({}),
});

export const RouteEnv = z.object({
  RECOVER_STATE_MACHINE_ARN: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
      'must be a state machine ARN',
    ),
  /** {"routes": [...]} (src/core/recovery/routing.ts): which tasks each task event and failover event recovers. */
  RECOVERY_ROUTES: z.string().default(''),
});
