import * as z from 'zod';
import type { DecideRecoveryRequest } from '../../../core/recovery/decide-step.js';
import { RecoverInput } from '../../../core/recovery/input.js';
import { DECISION_KINDS } from '../../../core/recovery/types.js';
import { parseLambdaInput } from '../lambda-input.js';

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

/** The previous Decide output (extra keys ignored: the machine's own state, fed back): its slot position and its wait carry over. */
const PreviousDecision = z.object({
  decision: z.object({ kind: z.enum(DECISION_KINDS), lsns: z.record(z.string(), z.string()).default({}) }),
  slot: z.object({ confirmedFlushLsn: z.string().nullable() }).nullable().default(null),
  slotWait: z
    .object({ since: z.iso.datetime(), polls: z.number().int().min(1), expired: z.boolean() })
    .nullable()
    .default(null),
  taskWait: z
    .object({ since: z.iso.datetime(), polls: z.number().int().min(1) })
    .nullable()
    .default(null),
});

export const DecideRecoveryCall = z.strictObject({
  /** The execution input (RecoverInput); defaults are applied here and returned as `settings`. */
  input: z.unknown(),
  previous: PreviousDecision.nullable().default(null),
  /** The machine's retries on SourceUnreachableError are exhausted: decide without the slot. */
  sourceUnreachable: z.boolean().default(false),
  /** The last connection error's Cause, for the reason. */
  unreachableCause: z.string().max(32_768).optional(),
});

/** decide-recovery's call, with the execution input inside it checked as RecoverInput (errors name `input.`). */
export function parseDecideRecovery(event: unknown): DecideRecoveryRequest {
  const call = parseLambdaInput(DecideRecoveryCall, event);
  return { ...call, input: parseLambdaInput(RecoverInput, call.input, 'input') };
}
