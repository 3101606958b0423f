import pg from 'pg';
import { InvalidInputError, OrchestratorError } from '../../core/errors.js';
import type { PgConnector, Queryable } from '../../ports/pg-session.js';

export type { PgConnector, PgSession } from '../../ports/pg-session.js';

/** The source did not answer (network, timeout, server starting or full): worth retrying with backoff. */
export class SourceUnreachableError extends OrchestratorError {
  override readonly name = 'SourceUnreachableError';
}

/** The TLS handshake failed or the server offers no TLS: retrying will not help. */
export class SourceTlsError extends OrchestratorError {
  override readonly name = 'SourceTlsError';
}

/** The server rejected the credentials (SQLSTATE class 28). */
export class SourceAuthenticationError extends OrchestratorError {
  override readonly name = 'SourceAuthenticationError';
}

/** Opens a pg.Client; a failed connect is classified (see classifyConnectError) and leaves nothing open. */
export const connectPg: PgConnector = async (config) => {
  const client = new pg.Client(config);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw classifyConnectError(error, config);
  }
  return client;
};

/**
 * One client per use, always closed afterwards, whatever `use` did: the pattern of middy's rds
 * middleware (open before the handler, close after it or on error), in one place. A Lambda must not
 * leave connections behind for a frozen execution environment to hold open on the source.
 */
export async function withPgClient<T>(
  config: pg.ClientConfig,
  use: (client: Queryable) => Promise<T>,
  connect: PgConnector = connectPg,
): Promise<T> {
  const client = await connect(config);
  try {
    return await use(client);
  } finally {
    // A failure to close (a connection the server already dropped) must not hide use's own outcome.
    await client.end().catch(() => undefined);
  }
}

// Node's certificate verification codes, and pg's own for a server that refuses SSLRequest.
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Turns a connect failure into a typed error Step Functions can Retry or Catch by name.
 * PostgreSQL errors are classified by SQLSTATE; the message names the target, never the password.
 */
export function classifyConnectError(error: unknown, config: pg.ClientConfig): Error {
  // Already ours: a password the server asked for and nobody gave (see toPgConfig).
  if (error instanceof OrchestratorError) return error;
  const target = describeTarget(config);
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code !== undefined && SQLSTATE.test(code) && error instanceof pg.DatabaseError) {
    if (code.startsWith('28')) {
      return withCause(
        new SourceAuthenticationError(
          `${target} rejected the login (SQLSTATE ${code}): ${detail}`,
          'Check the username and password in the source secret and the server pg_hba.conf rules for this client',
        ),
        error,
      );
    }
    if (code === '3D000') {
      return withCause(
        new InvalidInputError(
          'database',
          `database "${config.database ?? ''}" does not exist on ${target}`,
          'Pass an existing database, or fix dbname in the source secret',
        ),
        error,
      );
    }
    return withCause(
      new SourceUnreachableError(
        `${target} refused the connection (SQLSTATE ${code}): ${detail}`,
        'Retry later; check max_connections and that the server is not starting up or shutting down',
      ),
      error,
    );
  }
  // pg reports a server that answers the SSLRequest with "no" by this message and no code.
  if ((code !== undefined && TLS_CODES.has(code)) || /does not support SSL/.test(detail)) {
    return withCause(
      new SourceTlsError(
        `TLS to ${target} failed${code ? ` (${code})` : ''}: ${detail}`,
        'Enable TLS on the server and make its certificate chain trusted (on Lambda, NODE_EXTRA_CA_CERTS=' +
          '/var/runtime/ca-cert.pem trusts the RDS authorities); use SOURCE_TLS=require only as a documented exception',
      ),
      error,
    );
  }
  return withCause(
    new SourceUnreachableError(
      `cannot reach ${target}${code ? ` (${code})` : ''}: ${detail}`,
      'Check the host and port in the source secret, the security groups and the route from the function subnets',
    ),
    error,
  );
}

function describeTarget(config: pg.ClientConfig): string {
  return `${config.user ?? '?'}@${config.host ?? '?'}:${config.port ?? 5432}/${config.database ?? '?'}`;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect reports every address it tried in an AggregateError.
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true });
  return error;
}
