import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { InspectSlotInput } from '../src/adapters/aws/payloads/slot.js';
import { sourceAt, sourceDeps, sourceLambda, sourceOf } from '../src/adapters/aws/source-middleware.js';
import type { SourceLambdaDeps } from '../src/adapters/aws/source-session.js';
import { validateSlotName } from '../src/core/identifiers.js';
import type { SlotReport } from '../src/core/slot.js';
import { inspectSlot } from '../src/core/slot-steps.js';

export interface InspectSlotResult {
  readonly found: true;
  readonly slot: SlotReport;
}
export type InspectSlotDeps = SourceLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential; the slot is read over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [...SOURCE_SECRET, ...OWN_LOGS, ...VPC_NETWORK_INTERFACES];

/** Reads one replication slot on the source named by a Secrets Manager secret. */
export function makeHandler(overrides: Partial<InspectSlotDeps> = {}) {
  const deps = sourceDeps(overrides);
  return sourceLambda<InspectSlotResult>(deps, 'dms-cdc-inspect-slot').handler(async (event, context) => {
    const input = parseLambdaInput(InspectSlotInput, event);
    const slotName = validateSlotName(input.slotName);
    const { describe, secretId, db } = await sourceOf(context).open(sourceAt(input));
    deps.logger.info('reading replication slot', { slotName, source: describe, secretId });
    return { found: true, slot: await inspectSlot(db, slotName, describe) };
  });
}

export const handler = makeHandler();
