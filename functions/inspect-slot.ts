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
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import type { SourceLambdaDeps } from '../src/adapters/aws/source-session.js';
import { connectPg, withPgClient } from '../src/adapters/pg/client.js';
import { connectionFromSecret, describeConnection, toPgConfig } from '../src/adapters/pg/connection.js';
import { buildPgSourceDb } from '../src/adapters/pg/slots.js';
import { InvalidInputError } from '../src/core/errors.js';
import { validateSlotName } from '../src/core/identifiers.js';
import { type SlotReport, toSlotReport } from '../src/core/slot.js';
import { SlotNotFoundError } from '../src/core/slot-errors.js';

const Input = z.strictObject({
  slotName: z.string(),
  database: z.string().min(1).max(63).optional(),
  sourceSecretArn: z.string().min(1).max(2048).optional(),
});
const Env = z.object({
  SOURCE_SECRET_ARN: z.string().min(1).optional(),
  SOURCE_TLS: z.enum(['verify-full', 'require', 'disable']).default('verify-full'),
});

export interface InspectSlotResult {
  readonly found: true;
  readonly slot: SlotReport;
}
export type InspectSlotDeps = SourceLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential; the slot is read over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [...SOURCE_SECRET, ...OWN_LOGS, ...VPC_NETWORK_INTERFACES];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));

/** Reads one replication slot on the source named by a Secrets Manager secret. */
export function makeHandler(overrides: Partial<InspectSlotDeps> = {}) {
  const deps: InspectSlotDeps = { secrets, connect: connectPg, logger, env: process.env, ...overrides };
  return middy<unknown, InspectSlotResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const slotName = validateSlotName(input.slotName);
      const env = parseLambdaInput(Env, { ...deps.env }, 'environment');
      const secretId = input.sourceSecretArn ?? env.SOURCE_SECRET_ARN;
      if (!secretId)
        throw new InvalidInputError('sourceSecretArn', 'not given and SOURCE_SECRET_ARN is not set');
      const secret = await deps.secrets.getSecretString(secretId);
      const connection = connectionFromSecret(secret, { database: input.database, tls: env.SOURCE_TLS });
      const source = describeConnection(connection);
      deps.logger.info('reading replication slot', { slotName, source, secretId });
      const config = toPgConfig(connection, 'dms-cdc-inspect-slot');
      const reading = await withPgClient(
        config,
        (client) => buildPgSourceDb(client).readSlot(slotName),
        deps.connect,
      );
      if (!reading) throw new SlotNotFoundError(slotName, source);
      return { found: true, slot: toSlotReport(reading) };
    });
}

export const handler = makeHandler();
