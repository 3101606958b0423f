import { describe, expect, it } from 'vitest';
import { findings } from './fixtures/evaluate.js';
import { healthySelfManaged, table } from './fixtures/facts.js';

const KINESIS = { targetEngine: 'kinesis' as const };
const IDS = [
  'target.kinesis-partition-key',
  'target.kinesis-parallel-apply',
  'target.kinesis-stream-per-table',
];

describe('Kinesis target guidance (info findings with their source)', () => {
  it('says nothing when the target is not Kinesis', () => {
    for (const id of IDS) expect(findings(id, healthySelfManaged())).toEqual([]);
  });

  it('partition key = primary key, naming the tables that have none', () => {
    const facts = healthySelfManaged({
      tables: [table('public', 'orders'), table('public', 'audit_log', { primaryKey: [] })],
    });
    const [finding] = findings('target.kinesis-partition-key', facts, KINESIS);
    expect(finding).toMatchObject({
      severity: 'info',
      observed: '1 table without a primary key: public.audit_log',
      reference: 'https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.Kinesis.html',
    });
    expect(finding?.remedy).toContain('PartitionIncludeSchemaTable = true');
    expect(findings('target.kinesis-partition-key', healthySelfManaged(), KINESIS)[0]?.observed).toBe(
      '2 tables, each with a primary key',
    );
  });

  it('parallel apply settings from the Rockset guide, with why order per key holds', () => {
    const [finding] = findings('target.kinesis-parallel-apply', healthySelfManaged(), KINESIS);
    expect(finding).toMatchObject({
      severity: 'info',
      expected:
        'TargetMetadata: ParallelApplyThreads 32, ParallelApplyBufferSize 1000, ParallelApplyQueuesPerThread 128 (and ParallelLoadThreads 32, ParallelLoadBufferSize 1000, ParallelLoadQueuesPerThread 128 for a full load)',
      reference: 'https://docs.rockset.com/documentation/docs/postgresql',
    });
    expect(finding?.remedy).toContain('same partition key to the same thread');
  });

  it('one stream per table when the task selects several, none for a single table', () => {
    expect(findings('target.kinesis-stream-per-table', healthySelfManaged(), KINESIS)).toEqual([
      expect.objectContaining({
        severity: 'info',
        title: 'Kinesis target: one stream per table (2 tables selected)',
        observed: 'one task writes 2 tables to one stream: public.orders, public.customers',
      }),
    ]);
    const one = healthySelfManaged({ tables: [table('public', 'orders')] });
    expect(findings('target.kinesis-stream-per-table', one, KINESIS)).toEqual([]);
  });

  it('never blocks or warns: guidance only', () => {
    const facts = healthySelfManaged({
      tables: [table('public', 'a', { primaryKey: [] }), table('public', 'b')],
    });
    const severities = IDS.flatMap((id) => findings(id, facts, KINESIS).map((f) => f.severity));
    expect(severities).toEqual(['info', 'info', 'info']);
  });
});
