import type { EvaluationContext, PreflightCheck } from '../context.js';
import type { TableFact } from '../facts.js';
import { listNames, plural } from '../listing.js';
import { REF } from '../references.js';
import { qualifiedName } from '../scope.js';

/**
 * Guidance for a Kinesis Data Streams target: the task settings that keep each row's
 * changes in order and the stream fast. Info findings only: DMS runs without them, but out of order
 * or throttled. Sources: the AWS DMS Kinesis target page (object mapping, partition keys, multithreaded
 * CDC apply) and Rockset's PostgreSQL-to-Kinesis guide (parallel apply settings,
 * primary keys, one stream per table).
 */
function kinesisTables(context: EvaluationContext): TableFact[] | undefined {
  if (context.targetEngine !== 'kinesis') return undefined;
  return context.scope.tables.filter((t) => t.kind === 'table');
}

const partitionKey: PreflightCheck = {
  id: 'target.kinesis-partition-key',
  reference: REF.kinesisTarget,
  evaluate(context) {
    const tables = kinesisTables(context);
    if (!tables) return [];
    const keyless = tables.filter((t) => t.primaryKey.length === 0);
    return [
      {
        severity: 'info',
        title: 'Kinesis target: partition each table by its primary key so a row’s changes stay in order',
        observed:
          keyless.length > 0
            ? `${plural(keyless.length, 'table')} without a primary key: ${listNames(keyless.map(qualifiedName))}`
            : `${plural(tables.length, 'table')}, each with a primary key`,
        expected:
          'records of one row on one shard, in commit order: partition key = primary key (Kinesis keeps order per shard only)',
        remedy:
          'Keep DMS partitioning by primary key (its default: partition type primary-key-type) in each table’s object-mapping rule (rule-action map-record-to-record); if tables share a stream, set KinesisSettings PartitionIncludeSchemaTable = true so equal keys of different tables spread over shards. A partition key on another attribute lets one row’s changes reach different shards out of order. Add a primary key to the tables listed first',
      },
    ];
  },
};

const parallelApply: PreflightCheck = {
  id: 'target.kinesis-parallel-apply',
  reference: REF.kinesisTarget,
  evaluate(context) {
    if (!kinesisTables(context)) return [];
    return [
      {
        severity: 'info',
        title: 'Kinesis target: apply changes in parallel; records of one partition key keep their order',
        observed: 'the task settings are not known to preflight',
        expected:
          'TargetMetadata: ParallelApplyThreads 32, ParallelApplyBufferSize 1000, ParallelApplyQueuesPerThread 128 (and ParallelLoadThreads 32, ParallelLoadBufferSize 1000, ParallelLoadQueuesPerThread 128 for a full load)',
        remedy:
          'Set these in the task settings for a large table or a high change rate; DMS sends records with the same partition key to the same thread, so the per-row order holds. Size the stream shards for the ingest rate (PutRecords is limited per shard)',
        reference: REF.rocksetKinesis,
      },
    ];
  },
};

const streamPerTable: PreflightCheck = {
  id: 'target.kinesis-stream-per-table',
  reference: REF.rocksetKinesis,
  evaluate(context) {
    const tables = kinesisTables(context);
    if (!tables || tables.length <= 1) return [];
    return [
      {
        severity: 'info',
        title: `Kinesis target: one stream per table (${plural(tables.length, 'table')} selected)`,
        observed: `one task writes ${plural(tables.length, 'table')} to one stream: ${listNames(tables.map(qualifiedName))}`,
        expected:
          'a stream per table, so one busy table cannot throttle the others and each consumer reads only its table',
        remedy:
          'Per table: a Kinesis target endpoint for its stream and a CDC task whose mappings select that table with its object-mapping rule (partition key = primary key); the slot is still one per task',
      },
    ];
  },
};

export const KINESIS_CHECKS: readonly PreflightCheck[] = [partitionKey, parallelApply, streamPerTable];
