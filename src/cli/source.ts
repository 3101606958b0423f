import type pg from 'pg';
import { connectPg } from '../adapters/pg/client.js';
import { connectionFromUrl, type SourceConnection, toPgConfig } from '../adapters/pg/connection.js';
import { requireString } from './args.js';

export const SOURCE_HELP = `  --source <url>   postgres://user@host:5432/db?sslmode=verify-full (or DMS_CDC_SOURCE_URL).
                   The password comes from PGPASSWORD, never from the command line history.`;

/** The source named by --source or DMS_CDC_SOURCE_URL, with the password from PGPASSWORD if absent. */
export function sourceFromFlags(values: Record<string, unknown>, env: NodeJS.ProcessEnv): SourceConnection {
  const url = (values.source as string | undefined) ?? env.DMS_CDC_SOURCE_URL;
  const connection = connectionFromUrl(
    requireString({ source: url }, 'source', 'the source database URL'),
    '--source',
  );
  return { ...connection, password: connection.password ?? env.PGPASSWORD };
}

/** A connector for the source: every call opens a new classified, TLS-checked client. */
export function sourceConnector(connection: SourceConnection): () => Promise<pg.Client> {
  return async () => (await connectPg(toPgConfig(connection, 'dms-cdc-cli'))) as pg.Client;
}
