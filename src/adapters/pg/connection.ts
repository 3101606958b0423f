import { BlockList, isIP } from 'node:net';
import type pg from 'pg';
import * as z from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { SourceAuthenticationError } from './client.js';

/**
 * How the connection is protected. `verify-full` (the default) checks the certificate chain and
 * the host name; `require` encrypts without verifying (a documented opt-out); `disable` is only
 * accepted for loopback servers (local mode and tests), never for a real source.
 */
export type TlsMode = 'verify-full' | 'require' | 'disable';

export interface SourceConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string | undefined;
  readonly tls: TlsMode;
  /** Why no password was found (e.g. a password file ignored for its permissions), for the remedy. */
  readonly passwordNote?: string;
}

// The JSON Secrets Manager stores for an RDS/Aurora PostgreSQL credential (rotation template format).
const RdsSecret = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65_535).default(5432),
  dbname: z.string().min(1).optional(),
});

const TLS_MODES = ['verify-full', 'require', 'disable'] as const;

export function connectionFromSecret(
  secretString: string,
  options: { database?: string; tls?: TlsMode } = {},
): SourceConnection {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new InvalidInputError('sourceSecret', 'the secret value is not JSON', secretFormatRemedy());
  }
  const parsed = RdsSecret.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') || 'value';
    throw new InvalidInputError(`sourceSecret.${key}`, issue?.message ?? 'invalid', secretFormatRemedy());
  }
  registerSecret(parsed.data.password);
  const database = options.database ?? parsed.data.dbname;
  if (!database) {
    throw new InvalidInputError(
      'database',
      'no database given and the secret has no dbname',
      'Pass the database name',
    );
  }
  return checkTls({
    host: parsed.data.host,
    port: parsed.data.port,
    database,
    user: parsed.data.username,
    password: parsed.data.password,
    tls: options.tls ?? 'verify-full',
  });
}

const URL_FORMAT = 'Use postgres://user@host:5432/database (the password from PGPASSWORD or ~/.pgpass)';

/**
 * postgres://user@host[:port]/database[?sslmode=verify-full|require|disable]. A URL that carries a
 * password is refused (it would sit in shell history and process lists) unless `allowPassword`
 * (the local secret store, whose job is to hold one). No message ever echoes the URL.
 */
export function connectionFromUrl(
  text: string,
  field = 'sourceUrl',
  options: { readonly allowPassword?: boolean } = {},
): SourceConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError(field, 'is not a URL', URL_FORMAT);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InvalidInputError(field, 'the scheme is not postgres:', URL_FORMAT);
  }
  if (url.password !== '' && !options.allowPassword) {
    throw new InvalidInputError(
      field,
      'the URL carries a password, which would sit in shell history and process lists',
      'Remove the password from the URL; set PGPASSWORD, or put it in ~/.pgpass (or the file PGPASSFILE names) as host:port:database:user:password',
    );
  }
  if (url.hostname === '') {
    throw new InvalidInputError(field, 'the URL names no host', URL_FORMAT);
  }
  const port = url.port ? Number(url.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidInputError(field, 'the port is not between 1 and 65535', URL_FORMAT);
  }
  // An IPv6 literal comes bracketed ([::1]); pg wants the bare address.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const sslmode = url.searchParams.get('sslmode') ?? (isLoopback(host) ? 'disable' : 'verify-full');
  if (!TLS_MODES.includes(sslmode as TlsMode)) {
    throw new InvalidInputError(
      `${field}.sslmode`,
      /^[a-z-]{1,20}$/.test(sslmode) ? `"${sslmode}" is not supported` : 'is not supported',
      `Use one of ${TLS_MODES.join(', ')}`,
    );
  }
  let database: string;
  let user: string;
  try {
    database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
    user = decodeURIComponent(url.username) || 'postgres';
  } catch {
    throw new InvalidInputError(field, 'the user or database is not valid percent-encoding', URL_FORMAT);
  }
  return checkTls(
    {
      host,
      port,
      database,
      user,
      password: url.password ? registered(safeDecode(url.password)) : undefined,
      tls: sslmode as TlsMode,
    },
    field,
  );
}

function registered(password: string): string {
  registerSecret(password);
  return password;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function toPgConfig(connection: SourceConnection, applicationName: string): pg.ClientConfig {
  return {
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    // No password: pg would fall back to the process's own PGPASSWORD and ~/.pgpass behind our back,
    // or fail with "client password must be a string". Asked for one, say where it should come from.
    password: connection.password ?? missingPassword(connection),
    application_name: applicationName,
    ssl: tlsOptions(connection),
    connectionTimeoutMillis: 10_000,
  };
}

/** What may be logged or shown: never the password. */
export function describeConnection(connection: SourceConnection): string {
  return `${connection.user}@${connection.host}:${connection.port}/${connection.database} (tls ${connection.tls})`;
}

function missingPassword(connection: SourceConnection): () => string {
  return () => {
    throw new SourceAuthenticationError(
      `${describeConnection(connection)} asked for a password and none was given${connection.passwordNote ? ` (${connection.passwordNote})` : ''}`,
      'Set PGPASSWORD, or add a line host:port:database:user:password to ~/.pgpass (or the file PGPASSFILE names), readable only by you (chmod 600)',
    );
  };
}

function tlsOptions(connection: SourceConnection): pg.ClientConfig['ssl'] {
  switch (connection.tls) {
    case 'verify-full':
      return { rejectUnauthorized: true, servername: connection.host };
    case 'require':
      return { rejectUnauthorized: false };
    case 'disable':
      return false;
  }
}

function checkTls(connection: SourceConnection, field = 'tls'): SourceConnection {
  if (connection.tls === 'disable' && !isLoopback(connection.host)) {
    throw new InvalidInputError(
      field,
      `TLS cannot be disabled for ${connection.host}: only loopback servers may be reached without TLS`,
      'Use sslmode=verify-full (default) or, if the server has no trusted certificate, sslmode=require',
    );
  }
  return connection;
}

// Loopback addresses: 127.0.0.0/8 and ::1 (IPv4-mapped ::ffff:127.x too).
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether a host is loopback, decided on the host as written, before any lookup: a loopback
 * address literal, or `localhost` itself. `127.0.0.1.example.com` or `localhost.evil` are names
 * that resolve wherever their owner says, and `127.1` is a name to the resolver too: not loopback.
 */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  if (family === 4) return LOOPBACK.check(bare, 'ipv4');
  if (family === 6) return LOOPBACK.check(bare, 'ipv6');
  return false;
}

function secretFormatRemedy(): string {
  return 'Store the secret as JSON with username, password, host, port and dbname (the RDS credential format)';
}
