import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  TARGET_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { DatabaseName, JsonDocument, jsonDocument, TaskArn } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import {
  type SourceLambdaDeps,
  sourceFromSecret,
  targetFromSecret,
} from '../src/adapters/aws/source-session.js';
import { connectPg, withPgClient } from '../src/adapters/pg/client.js';
import type { Queryable } from '../src/adapters/pg/queryable.js';
import {
  countRows,
  decodeAfterCheckpoint,
  inCountSnapshot,
  listUserTables,
} from '../src/adapters/pg/row-counts.js';
import { compareContentOn } from '../src/adapters/pg/verify/index.js';
import { CheckpointMissingError, RowCountMismatchError } from '../src/core/cutover/errors.js';
import { validateSlotName } from '../src/core/identifiers.js';
import { formatLsn, lsnFromCheckpoint, parseLsn } from '../src/core/lsn.js';
import { qualifiedName } from '../src/core/preflight/scope.js';
import { parseTableMappings, type TableMappings } from '../src/core/preflight/table-mappings.js';
import { compareRowCounts, type TableRowCount, tablesToCount } from '../src/core/row-counts.js';
import { ContentMismatchError } from '../src/core/verify/errors.js';
import type { Dms } from '../src/ports/dms.js';

const SecretArn = z.string().min(1).max(2048);
const Input = z.strictObject({
  source: z.strictObject({ secretArn: SecretArn, database: DatabaseName }),
  /** secretArn null: no target connection configured, nothing to compare. */
  target: z.strictObject({ secretArn: SecretArn.nullable(), database: DatabaseName.nullable() }),
  tableMappings: JsonDocument,
  /**
   * The task has stopped: compare the target with the source as of the task's RecoveryCheckpoint and
   * fail with RowCountMismatchError on any difference.
   */
  strict: z.boolean(),
  /** The CDC task (its RecoveryCheckpoint) and its slot (what it did not apply); used when strict. */
  taskArn: TaskArn,
  slotName: z.string(),
});

/** Where a strict comparison drew the line between what the task applied and what it did not. */
export interface CheckpointBoundary {
  /** max(checkpointLsn, slotConfirmedFlushLsn): transactions committed after it are not on the target. */
  readonly boundaryLsn: string;
  readonly recoveryCheckpoint: string;
  readonly checkpointLsn: string;
  readonly slotConfirmedFlushLsn: string;
  /** The source was counted in this snapshot (txid_current_snapshot); the slot decoded up to decodedUpToLsn. */
  readonly snapshot: string;
  readonly decodedFromLsn: string;
  readonly decodedUpToLsn: string;
  readonly transactions: {
    readonly decoded: number;
    readonly afterBoundary: number;
    readonly visible: number;
  };
}

export interface VerifyRowCountsResult {
  readonly tables: readonly TableRowCount[];
  readonly mismatchedTables: number;
  /** Why nothing was compared; null when the counts were taken. */
  readonly skipped: string | null;
  /** The boundary LSN of a strict comparison; null when counted as the source is now (not strict). */
  readonly boundaryLsn: string | null;
  readonly boundary: CheckpointBoundary | null;
  /** The row-by-row comparison of a strict verification; null when not strict or nothing counted. */
  readonly content: ContentResult | null;
}

/**
 * Strict, with equal counts and no transaction after the checkpoint in the source's snapshot, every
 * row is compared (the dms-cdc verify engine, in the count snapshot); otherwise why not.
 */
export interface ContentResult {
  readonly compared: boolean;
  readonly reason: string | null;
  readonly tables: number;
  readonly rowsCompared: number;
  readonly differing: readonly string[];
}
export interface VerifyRowCountsDeps extends SourceLambdaDeps {
  readonly dms: Dms;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source and target credentials; rows are counted over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  ...TARGET_SECRET,
  DESCRIBE_TASKS,
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));
const dms = buildAwsDms(createDmsClient());

/**
 * Exact `count(*)` of every table the mappings select, on source and target (one catalog read and one
 * UNION ALL statement per side, whatever the number of tables).
 *
 * Not strict (the task may still run): both sides counted at the same moment, differences reported.
 *
 * Strict (the task has stopped): the target holds what the task applied up to its RecoveryCheckpoint,
 * while the source may have taken writes since. So the source is counted in one REPEATABLE READ
 * snapshot, the task's slot (inactive, never moved: a temporary copy is decoded) yields the row deltas
 * of the transactions committed after the checkpoint, and the target must hold, per table, the source
 * count less the deltas of those transactions the snapshot sees. Any difference is
 * RowCountMismatchError; a missing checkpoint is CheckpointMissingError, a missing or busy slot
 * SlotNotFoundError / SlotActiveError.
 */
export function makeHandler(overrides: Partial<VerifyRowCountsDeps> = {}) {
  const deps: VerifyRowCountsDeps = {
    secrets,
    connect: connectPg,
    logger,
    env: process.env,
    dms,
    ...overrides,
  };
  return middy<unknown, VerifyRowCountsResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const mappings = parseTableMappings(jsonDocument(input.tableMappings, 'tableMappings').value);
      const slotName = validateSlotName(input.slotName);
      if (input.target.secretArn === null) {
        return {
          tables: [],
          mismatchedTables: 0,
          skipped: 'no target connection configured',
          boundaryLsn: null,
          boundary: null,
          content: null,
        };
      }
      const checkpoint = input.strict ? await stoppedTaskCheckpoint(deps.dms, input.taskArn) : null;
      const applicationName = 'dms-cdc-verify-row-counts';
      const source = await sourceFromSecret(deps.secrets, deps.env, { ...input.source, applicationName });
      const target = await targetFromSecret(deps.secrets, deps.env, {
        secretArn: input.target.secretArn,
        ...(input.target.database === null ? {} : { database: input.target.database }),
        applicationName,
      });
      deps.logger.info('counting rows', {
        source: source.describe,
        target: target.describe,
        strict: input.strict,
        ...(checkpoint ? { recoveryCheckpoint: checkpoint } : {}),
      });
      const { tables, mismatched, boundary, content } = await withPgClient(
        source.config,
        (sourceDb) =>
          withPgClient(
            target.config,
            (targetDb) =>
              checkpoint === null
                ? countAsNow(sourceDb, targetDb, mappings)
                : countAtCheckpoint(sourceDb, targetDb, mappings, {
                    recoveryCheckpoint: checkpoint,
                    slotName,
                    source: source.describe,
                  }),
            deps.connect,
          ),
        deps.connect,
      );
      deps.logger.info('counted rows', {
        tables: tables.length,
        mismatched: mismatched.map((t) => t.name),
        ...(boundary ? { boundary } : {}),
      });
      if (boundary && parseLsn(boundary.slotConfirmedFlushLsn) > parseLsn(boundary.checkpointLsn)) {
        // The slot no longer holds what was committed between the two: the task said (by confirming) it
        // applied it, and the counts check that claim; a slot recreated past the checkpoint shows up here.
        deps.logger.warn('the slot was confirmed past the task checkpoint: compared from the slot position', {
          checkpointLsn: boundary.checkpointLsn,
          slotConfirmedFlushLsn: boundary.slotConfirmedFlushLsn,
        });
      }
      if (input.strict && mismatched.length > 0) throw new RowCountMismatchError(mismatched);
      if (content && content.differing.length > 0) throw new ContentMismatchError(content.differing);
      return {
        tables,
        mismatchedTables: mismatched.length,
        skipped: null,
        boundaryLsn: boundary?.boundaryLsn ?? null,
        boundary,
        content: content?.result ?? null,
      };
    });
}

/** The RecoveryCheckpoint of a task that has stopped (or failed): final, since nothing moves it any more. */
async function stoppedTaskCheckpoint(dms: Dms, taskArn: string): Promise<string> {
  const task = await dms.describeTask(taskArn);
  if ((task.status !== 'stopped' && task.status !== 'failed') || !task.recoveryCheckpoint) {
    throw new CheckpointMissingError(taskArn, task.status, task.recoveryCheckpoint);
  }
  return task.recoveryCheckpoint;
}

interface Counted {
  readonly tables: TableRowCount[];
  readonly mismatched: TableRowCount[];
  readonly boundary: CheckpointBoundary | null;
  readonly content?: {
    readonly result: ContentResult;
    readonly differing: Awaited<ReturnType<typeof compareContentOn>>;
  };
}

/** Both sides at the same time, as they are now: a still-running task skews them as little as it can. */
async function countAsNow(
  sourceDb: Queryable,
  targetDb: Queryable,
  mappings: TableMappings,
): Promise<Counted> {
  const { selected, present } = await selectTables(sourceDb, targetDb, mappings);
  const [sourceRows, targetRows] = await Promise.all([
    countRows(sourceDb, selected),
    countRows(targetDb, present),
  ]);
  const byName = new Map(present.map((t, i) => [qualifiedName(t), targetRows[i] ?? 0]));
  return { ...compareRowCounts(selected, sourceRows, byName), boundary: null };
}

/**
 * The source in one REPEATABLE READ snapshot, less what the stopped task had not applied and that
 * snapshot sees, against the target (which nothing writes to any more). The decoding runs in the same
 * transaction as the counts: the temporary slot copy and peek do not write, so a read-only
 * REPEATABLE READ transaction allows them, and its snapshot is the one the counts used.
 */
async function countAtCheckpoint(
  sourceDb: Queryable,
  targetDb: Queryable,
  mappings: TableMappings,
  request: { readonly recoveryCheckpoint: string; readonly slotName: string; readonly source: string },
): Promise<Counted> {
  const checkpoint = lsnFromCheckpoint(request.recoveryCheckpoint);
  return inCountSnapshot(sourceDb, async (snapshot) => {
    const { selected, present } = await selectTables(sourceDb, targetDb, mappings);
    const [sourceRows, targetRows] = await Promise.all([
      countRows(sourceDb, selected),
      countRows(targetDb, present),
    ]);
    const decoded = await decodeAfterCheckpoint(sourceDb, {
      slotName: request.slotName,
      checkpoint,
      snapshot,
      source: request.source,
    });
    const byName = new Map(present.map((t, i) => [qualifiedName(t), targetRows[i] ?? 0]));
    const counted = compareRowCounts(selected, sourceRows, byName, decoded.changes.tables);
    const content = await compareContent(sourceDb, targetDb, mappings, {
      countsEqual: counted.mismatched.length === 0,
      visibleAfterBoundary: decoded.changes.transactions.visible,
    });
    return {
      ...counted,
      content,
      boundary: {
        boundaryLsn: formatLsn(decoded.boundary),
        recoveryCheckpoint: request.recoveryCheckpoint,
        checkpointLsn: formatLsn(checkpoint),
        slotConfirmedFlushLsn: formatLsn(decoded.slotConfirmedFlushLsn),
        snapshot: snapshot.snapshotText,
        decodedFromLsn: formatLsn(decoded.slotRestartLsn),
        decodedUpToLsn: formatLsn(snapshot.upTo),
        transactions: decoded.changes.transactions,
      },
    };
  });
}

/**
 * Every row compared, in the count snapshot, when that says something: the counts agree (else they
 * already failed) and the snapshot sees no transaction after the checkpoint (whose rows the target
 * rightly lacks; the counts account for them, a row comparison could not yet).
 */
async function compareContent(
  sourceDb: Queryable,
  targetDb: Queryable,
  mappings: TableMappings,
  state: { readonly countsEqual: boolean; readonly visibleAfterBoundary: number },
): Promise<Counted['content']> {
  const notCompared = (reason: string) => ({
    result: { compared: false, reason, tables: 0, rowsCompared: 0, differing: [] },
    differing: [],
  });
  if (!state.countsEqual) return notCompared('the row counts differ');
  if (state.visibleAfterBoundary > 0) {
    return notCompared(
      `the source took ${state.visibleAfterBoundary} transactions after the task's checkpoint: compared by counts only`,
    );
  }
  const tables = await compareContentOn(sourceDb, targetDb, { tableMappings: mappings });
  const differing = tables.filter((t) => !t.equal);
  return {
    result: {
      compared: true,
      reason: null,
      tables: tables.length,
      rowsCompared: tables.reduce((n, t) => n + t.rows, 0),
      differing: differing.map((t) => t.name),
    },
    differing,
  };
}

/** The tables the mappings select on the source, and those of them the target has. */
async function selectTables(sourceDb: Queryable, targetDb: Queryable, mappings: TableMappings) {
  const [sourceCatalog, targetCatalog] = await Promise.all([
    listUserTables(sourceDb),
    listUserTables(targetDb),
  ]);
  const selected = tablesToCount(sourceCatalog, mappings);
  const onTarget = new Set(targetCatalog.map(qualifiedName));
  return { selected, present: selected.filter((t) => onTarget.has(qualifiedName(t))) };
}

export const handler = makeHandler();
