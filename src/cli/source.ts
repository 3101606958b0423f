import type pg from 'pg';
import { connectPg } from '../adapters/pg/client.js';
import { connectionFromUrl, type SourceConnection, toPgConfig } from '../adapters/pg/connection.js';
import { lookupPassword } from '../adapters/pg/password.js';
import { registerSecret } from '../core/redact.js';
import { databaseUrl } from './args.js';

export const SOURCE_HELP = `  --source <url>   postgres://user@host:5432/db?sslmode=verify-full (or DMS_CDC_SOURCE_URL).
                   The password comes from PGPASSWORD or ~/.pgpass (PGPASSFILE), never from the URL.`;

/** The source named by --source or DMS_CDC_SOURCE_URL, with its password found as libpq finds it. */
export function sourceFromFlags(values: Record<string, unknown>, env: NodeJS.ProcessEnv): SourceConnection {
  return withPassword(connectionFromUrl(databaseUrl(values, env, 'source'), '--source'), env);
}

/** The connection with its password from PGPASSWORD or the password file (libpq's order). */
export function withPassword(connection: SourceConnection, env: NodeJS.ProcessEnv): SourceConnection {
  if (connection.password !== undefined) return connection;
  const found = lookupPassword(connection, env);
  registerSecret(found.password);
  return {
    ...connection,
    password: found.password,
    ...(found.ignoredFile
      ? { passwordNote: `${found.ignoredFile} was ignored: group or others can read it (chmod 600 it)` }
      : {}),
  };
}

/** A connector for the source: every call opens a new classified, TLS-checked client. */
export function sourceConnector(connection: SourceConnection): () => Promise<pg.Client> {
  return async () => (await connectPg(toPgConfig(connection, 'dms-cdc-cli'))) as pg.Client;
}
