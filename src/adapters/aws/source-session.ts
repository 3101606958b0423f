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

const Tls = z.enum(['verify-full', 'require', 'disable']).default('verify-full');

/** Where a Lambda finds a database by role: its environment variables, and the input field to name. */
const ROLES = {
  source: {
    env: z
      .object({ SOURCE_SECRET_ARN: z.string().min(1).optional(), SOURCE_TLS: Tls })
      .transform((env) => ({ secretArn: env.SOURCE_SECRET_ARN, tls: env.SOURCE_TLS })),
    variable: 'SOURCE_SECRET_ARN',
    field: 'sourceSecretArn',
  },
  target: {
    env: z
      .object({ TARGET_SECRET_ARN: z.string().optional(), TARGET_TLS: Tls })
      // CloudFormation cannot omit a variable: an unset optional ARN arrives as ''.
      .transform((env) => ({ secretArn: env.TARGET_SECRET_ARN || undefined, tls: env.TARGET_TLS })),
    variable: 'TARGET_SECRET_ARN',
    field: 'target.secretArn',
  },
} as const;

/** The source, or the target a Lambda reaches only to verify (DMS itself writes through the target endpoint). */
export type DatabaseRole = keyof typeof ROLES;

/** The source as a Lambda reaches it: never logged whole, `describe` is what may be shown. */
export interface LambdaSource {
  readonly connection: SourceConnection;
  readonly config: pg.ClientConfig;
  /** user@host:port/database (tls mode): no password. */
  readonly describe: string;
  readonly secretId: string;
}

export interface SecretRequest {
  readonly secretArn?: string;
  readonly database?: string;
  readonly applicationName: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The role's secret ARN (the one named in the input, else its variable; undefined when neither) and TLS mode. */
function settingsOf(role: DatabaseRole, env: Env, secretArn: string | undefined) {
  const settings = parseLambdaInput(ROLES[role].env, { ...env }, 'environment');
  return { secretId: secretArn ?? settings.secretArn, tls: settings.tls };
}

/**
 * Resolves a database credential by role: the secret named in the input, else SOURCE_SECRET_ARN or
 * TARGET_SECRET_ARN; TLS as SOURCE_TLS or TARGET_TLS says (verify-full unless configured otherwise;
 * `disable` only for loopback hosts).
 */
export async function databaseFromSecret(
  role: DatabaseRole,
  secrets: SecretStore,
  env: Env,
  options: SecretRequest,
): Promise<LambdaSource> {
  const { secretId, tls } = settingsOf(role, env, options.secretArn);
  const { field, variable } = ROLES[role];
  if (!secretId) throw new InvalidInputError(field, `not given and ${variable} is not set`);
  const connection = connectionFromSecret(await secrets.getSecretString(secretId), {
    database: options.database,
    tls,
  });
  return {
    connection,
    config: toPgConfig(connection, options.applicationName),
    describe: describeConnection(connection),
    secretId,
  };
}

export const sourceFromSecret = (secrets: SecretStore, env: Env, options: SecretRequest) =>
  databaseFromSecret('source', secrets, env, options);

export const targetFromSecret = (secrets: SecretStore, env: Env, options: SecretRequest) =>
  databaseFromSecret('target', secrets, env, options);

/** targetFromSecret when a target is named (in the input or TARGET_SECRET_ARN), else undefined. */
export async function optionalTargetFromSecret(
  secrets: SecretStore,
  env: Env,
  options: SecretRequest,
): Promise<LambdaSource | undefined> {
  if (!settingsOf('target', env, options.secretArn).secretId) return undefined;
  return targetFromSecret(secrets, env, options);
}

/** Both databases of a function that compares them, each from its secret (the source read first). */
export async function sourceAndTarget(
  deps: Pick<SourceLambdaDeps, 'secrets' | 'env'>,
  at: {
    readonly source: Omit<SecretRequest, 'applicationName'>;
    readonly target: Omit<SecretRequest, 'applicationName'>;
  },
  applicationName: string,
): Promise<{ readonly source: LambdaSource; readonly target: LambdaSource }> {
  const source = await sourceFromSecret(deps.secrets, deps.env, { ...at.source, applicationName });
  const target = await targetFromSecret(deps.secrets, deps.env, { ...at.target, applicationName });
  return { source, target };
}
