import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import * as z from 'zod';
import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { DatabaseName } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import { type SourceLambdaDeps, sourceFromSecret } from '../src/adapters/aws/source-session.js';
import { connectPg, withPgClient } from '../src/adapters/pg/client.js';
import { terminateSlotHolder } from '../src/adapters/pg/slot-admin.js';
import { buildPgSourceDb } from '../src/adapters/pg/slots.js';
import { SQLSTATE, sqlState } from '../src/adapters/pg/sqlstate.js';
import { validateSlotName } from '../src/core/identifiers.js';
import {
  SlotHolderTerminationRefusedError,
  TerminationNotAllowedError,
} from '../src/core/recovery/errors.js';

const Input = z.strictObject({
  source: z.strictObject({ secretArn: z.string().min(1).max(2048), database: DatabaseName }),
  slotName: z.string(),
  /** The PID the decision saw holding the slot: only that backend, and only while it still holds the slot. */
  pid: z.number().int().min(1),
  /** policy.terminateStaleBackend, passed by the machine; false is refused here too. */
  allowed: z.boolean(),
  /** How long to wait for the backend to exit (pg_terminate_backend's timeout). */
  waitMs: z.number().int().min(0).max(20_000).default(5_000),
});

export interface TerminateSlotHolderResult {
  /** false when that PID no longer held the slot: nothing was signalled. */
  readonly terminated: boolean;
  readonly pid: number;
  readonly application: string | null;
  /** After the call: whether some backend (possibly a new one) holds the slot. */
  readonly slotActive: boolean;
  readonly activePid: number | null;
}
export type TerminateSlotHolderDeps = SourceLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential; pg_terminate_backend is authorised by the database role, not IAM. */
export const IAM_CALLS: readonly IamCall[] = [...SOURCE_SECRET, ...OWN_LOGS, ...VPC_NETWORK_INTERFACES];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));

/**
 * Ends the stale walsender that holds a slot after the recover machine's bounded wait, when the input's
 * policy allows it. Only the PID the decision named, and only if it still holds that slot.
 */
export function makeHandler(overrides: Partial<TerminateSlotHolderDeps> = {}) {
  const deps: TerminateSlotHolderDeps = {
    secrets,
    connect: connectPg,
    logger,
    env: process.env,
    ...overrides,
  };
  return middy<unknown, TerminateSlotHolderResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const slotName = validateSlotName(input.slotName);
      if (!input.allowed) throw new TerminationNotAllowedError(slotName, input.pid);
      const source = await sourceFromSecret(deps.secrets, deps.env, {
        secretArn: input.source.secretArn,
        database: input.source.database,
        applicationName: 'dms-cdc-terminate-slot-holder',
      });
      const result = await withPgClient(
        source.config,
        async (client) => {
          let rows: Awaited<ReturnType<typeof terminateSlotHolder>>;
          try {
            rows = await terminateSlotHolder(client, slotName, input.pid, input.waitMs);
          } catch (error) {
            if (sqlState(error) !== SQLSTATE.insufficientPrivilege) throw error;
            throw new SlotHolderTerminationRefusedError(slotName, input.pid, (error as Error).message);
          }
          const after = await buildPgSourceDb(client).readSlot(slotName);
          return {
            terminated: rows[0]?.terminated === true,
            pid: input.pid,
            application: rows[0]?.application_name ?? null,
            slotActive: after?.slot.active ?? false,
            activePid: after?.slot.activePid ?? null,
          };
        },
        deps.connect,
      );
      deps.logger.warn(result.terminated ? 'terminated the slot holder' : 'the PID no longer held the slot', {
        slotName,
        source: source.describe,
        ...result,
      });
      return result;
    });
}

export const handler = makeHandler();
