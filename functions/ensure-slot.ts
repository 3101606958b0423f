import type pg from 'pg';
import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { budgetMs, slotPlugin } from '../src/adapters/aws/lambda-schemas.js';
import { parseEnsureSlot } from '../src/adapters/aws/payloads/slot.js';
import { sourceAt, sourceDeps, sourceLambda, sourceOf } from '../src/adapters/aws/source-middleware.js';
import type { SourceLambdaDeps } from '../src/adapters/aws/source-session.js';
import { providerDsn } from '../src/adapters/pg/pglogical.js';
import {
  type EnsuredSlotReport,
  ensureSlotSelecting,
  reportEnsuredSlot,
} from '../src/adapters/pg/slot-admin.js';
import { validateSlotName } from '../src/core/identifiers.js';

export type EnsureSlotResult = EnsuredSlotReport;
export type EnsureSlotDeps = SourceLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential; the slot is found or created over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [...SOURCE_SECRET, ...OWN_LOGS, ...VPC_NETWORK_INTERFACES];

/** Finds the slot (checking plugin and database) or, when the input allows it, creates it. */
export function makeHandler(overrides: Partial<EnsureSlotDeps> = {}) {
  const deps = sourceDeps(overrides);
  return sourceLambda<EnsuredSlotReport>(deps, 'dms-cdc-ensure-slot').handler(async (event, context) => {
    const { pglogical, replicationSet, ...input } = parseEnsureSlot(event);
    const slotName = validateSlotName(input.slotName);
    const source = await sourceOf(context).open(sourceAt(input));
    // At least a second even when the invocation is nearly out of time: the creation then fails fast.
    const timeoutMs = Math.max(
      1_000,
      budgetMs(input.timeoutSeconds * 1000, context.getRemainingTimeInMillis()),
    );
    const { describe, secretId, connection } = source;
    const { plugin, allowCreate } = input;
    deps.logger.info('ensuring replication slot', {
      slotName,
      plugin,
      allowCreate,
      source: describe,
      secretId,
      timeoutMs,
    });
    const set = pglogical &&
      replicationSet && { ...pglogical, dsn: providerDsn(connection), set: replicationSet };
    const connect = async () => (await source.connect()) as pg.Client;
    const { failover } = input;
    const request = {
      slotName,
      plugin: slotPlugin(plugin),
      database: connection.database,
      allowCreate,
      failover,
    };
    const result = await ensureSlotSelecting(connect, source.client, {
      ...request,
      timeoutMs,
      source: describe,
      pglogical: set,
    });
    const report = reportEnsuredSlot(slotName, result);
    const { confirmedFlushLsn } = report;
    deps.logger.info(result.created ? 'created replication slot' : 'found replication slot', {
      slotName,
      confirmedFlushLsn,
    });
    return report;
  });
}

export const handler = makeHandler();
