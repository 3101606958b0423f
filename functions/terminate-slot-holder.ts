import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { TerminateSlotHolderInput } from '../src/adapters/aws/payloads/slot.js';
import { sourceDeps, sourceLambda, sourceOf } from '../src/adapters/aws/source-middleware.js';
import type { SourceLambdaDeps } from '../src/adapters/aws/source-session.js';
import { terminateSlotHolder } from '../src/adapters/pg/slot-admin.js';
import { validateSlotName } from '../src/core/identifiers.js';
import {
  requireTerminationAllowed,
  type TerminateOutcome,
  terminateStaleHolder,
} from '../src/core/recovery/terminate.js';

export type TerminateSlotHolderResult = TerminateOutcome;
export type TerminateSlotHolderDeps = SourceLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential; pg_terminate_backend is authorised by the database role, not IAM. */
export const IAM_CALLS: readonly IamCall[] = [...SOURCE_SECRET, ...OWN_LOGS, ...VPC_NETWORK_INTERFACES];

/** Ends the stale walsender that holds a slot after the recover machine's bounded wait, when the input's policy allows it. */
export function makeHandler(overrides: Partial<TerminateSlotHolderDeps> = {}) {
  const deps = sourceDeps(overrides);
  return sourceLambda<TerminateOutcome>(deps, 'dms-cdc-terminate-slot-holder').handler(
    async (event, context) => {
      const { source: at, ...input } = parseLambdaInput(TerminateSlotHolderInput, event);
      const request = { ...input, slotName: validateSlotName(input.slotName) };
      // Refused before the secret is read: a call the policy forbids touches nothing.
      requireTerminationAllowed(request);
      const source = await sourceOf(context).open({ secretArn: at.secretArn, database: at.database });
      const terminate = terminateSlotHolder.bind(null, source.client);
      const result = await terminateStaleHolder({ terminate, sourceDb: source.db }, request);
      const message = result.terminated ? 'terminated the slot holder' : 'the PID no longer held the slot';
      deps.logger.warn(message, { slotName: request.slotName, source: source.describe, ...result });
      return result;
    },
  );
}

export const handler = makeHandler();
