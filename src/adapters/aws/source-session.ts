import type { Logger } from '@aws-lambda-powertools/logger';
import type pg from 'pg';
import * as z from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import type { PgConnector } from '../../ports/pg-session.js';
import type { SecretStore } from '../../ports/secret-store.js';
import {
  connectionFromSecret,
  describeConnection,
  type SourceConnection,
  toPgConfig,
} from '../pg/connection.js';
import { parseLambdaInput } from './lambda-input.js';

/** What every Lambda that connects to the source is given; tests and local mode inject stand-ins. */
export interface SourceLambdaDeps {
  readonly secrets: SecretStore;
  readonly connect: PgConnector;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The settings every function that connects to the source reads from its environment. */
const SourceEnv = z.object({
  SOURCE_SECRET_ARN: z.string().min(1).optional(),
  SOURCE_TLS: z.enum(['verify-full', 'require', 'disable']).default('verify-full'),
});

/** The source as a Lambda reaches it: never logged whole, `describe` is what may be shown. */
export interface LambdaSource {
  readonly connection: SourceConnection;
  readonly config: pg.ClientConfig;
  /** user@host:port/database (tls mode): no password. */
  readonly describe: string;
  readonly secretId: string;
}

/**
 * Resolves the source credential: the secret named in the input, else SOURCE_SECRET_ARN; TLS as
 * SOURCE_TLS says (verify-full unless configured otherwise; `disable` only for loopback hosts).
 */
export async function sourceFromSecret(
  secrets: SecretStore,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly secretArn?: string; readonly database?: string; readonly applicationName: string },
): Promise<LambdaSource> {
  const settings = parseLambdaInput(SourceEnv, { ...env }, 'environment');
  const secretId = options.secretArn ?? settings.SOURCE_SECRET_ARN;
  if (!secretId) throw new InvalidInputError('sourceSecretArn', 'not given and SOURCE_SECRET_ARN is not set');
  const connection = connectionFromSecret(await secrets.getSecretString(secretId), {
    database: options.database,
    tls: settings.SOURCE_TLS,
  });
  return {
    connection,
    config: toPgConfig(connection, options.applicationName),
    describe: describeConnection(connection),
    secretId,
  };
}

const TargetEnv = z.object({
  // CloudFormation cannot omit a variable: an unset optional ARN arrives as ''.
  TARGET_SECRET_ARN: z
    .string()
    .optional()
    .transform((value) => value || undefined),
  TARGET_TLS: z.enum(['verify-full', 'require', 'disable']).default('verify-full'),
});

/**
 * The target database as a Lambda reaches it (only to verify; DMS itself writes through the target
 * endpoint): the secret named in the input, else TARGET_SECRET_ARN; TLS as TARGET_TLS says.
 */
export async function targetFromSecret(
  secrets: SecretStore,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly secretArn?: string; readonly database?: string; readonly applicationName: string },
): Promise<LambdaSource> {
  const settings = parseLambdaInput(TargetEnv, { ...env }, 'environment');
  const secretId = options.secretArn ?? settings.TARGET_SECRET_ARN;
  if (!secretId)
    throw new InvalidInputError('target.secretArn', 'not given and TARGET_SECRET_ARN is not set');
  const connection = connectionFromSecret(await secrets.getSecretString(secretId), {
    database: options.database,
    tls: settings.TARGET_TLS,
  });
  return {
    connection,
    config: toPgConfig(connection, options.applicationName),
    describe: describeConnection(connection),
    secretId,
  };
}

/** targetFromSecret when a target is named (in the input or TARGET_SECRET_ARN), else undefined. */
export async function optionalTargetFromSecret(
  secrets: SecretStore,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly secretArn?: string; readonly database?: string; readonly applicationName: string },
): Promise<LambdaSource | undefined> {
  const settings = parseLambdaInput(TargetEnv, { ...env }, 'environment');
  if (!(options.secretArn ?? settings.TARGET_SECRET_ARN)) return undefined;
  return targetFromSecret(secrets, env, options);
}
