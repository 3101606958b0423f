import type pg from 'pg';
import type { PreflightOptions } from '../../../core/preflight/context.js';
import type { PreflightReport } from '../../../core/preflight/report.js';
import { type PreflightGatherers, runPreflight } from '../../../core/preflight/run.js';
import type { PgConnector, PgSession } from '../client.js';
import type { Queryable } from '../queryable.js';
import { gatherSourceFacts } from './source-facts.js';
import { gatherTargetFacts } from './target-facts.js';

export interface PreflightConnection {
  readonly db: Queryable;
  /** What reports may show: describeConnection(...), never a password. */
  readonly describe: string;
}

/** The preflight's gatherers over open pg connections (the caller opens and closes them). */
export function pgPreflightGatherers(
  source: PreflightConnection,
  target?: PreflightConnection,
): PreflightGatherers {
  return {
    describeSource: source.describe,
    source: () => gatherSourceFacts(source.db),
    target: target
      ? { describe: target.describe, gather: (tables) => gatherTargetFacts(target.db, tables, source.db) }
      : undefined,
  };
}

export interface PreflightEndpoint {
  readonly config: pg.ClientConfig;
  readonly describe: string;
}

/**
 * Opens the source (and target) connection, runs the preflight, and closes what it opened whatever
 * happened: the CLI and the Lambda share this so neither can leave a session behind.
 */
export async function preflightOverPg(
  connect: PgConnector,
  source: PreflightEndpoint,
  target: PreflightEndpoint | undefined,
  options: PreflightOptions,
): Promise<PreflightReport> {
  const sessions: PgSession[] = [];
  const open = async (endpoint: PreflightEndpoint): Promise<PreflightConnection> => {
    const session = await connect(endpoint.config);
    sessions.push(session);
    return { db: session, describe: endpoint.describe };
  };
  try {
    const sourceConnection = await open(source);
    const targetConnection = target ? await open(target) : undefined;
    return await runPreflight(pgPreflightGatherers(sourceConnection, targetConnection), options);
  } finally {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
  }
}

/**
 * preflightOverPg on a source session the caller holds and closes (a Lambda's source middleware):
 * only the target session is opened here, and closed whatever happened.
 */
export async function preflightOnSession(
  connect: PgConnector,
  source: { readonly client: Queryable; readonly describe: string },
  target: PreflightEndpoint | undefined,
  options: PreflightOptions,
): Promise<PreflightReport> {
  const session = target && (await connect(target.config));
  try {
    const targetConnection = session && target && { db: session, describe: target.describe };
    const sourceConnection = { db: source.client, describe: source.describe };
    return await runPreflight(pgPreflightGatherers(sourceConnection, targetConnection), options);
  } finally {
    await session?.end().catch(() => undefined);
  }
}
