import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as syncSequences } from '../../functions/sync-sequences.js';
import { LocalSecretStore } from '../../src/adapters/local/secret-store.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import { lambdaTestContext } from '../support/lambda-context.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

/** sync-sequences, the real handler, on two real PostgreSQL 17 servers with local secrets. */

const ENV = { SOURCE_TLS: 'disable', TARGET_TLS: 'disable' };
const logger = new Logger({ serviceName: 'dms-cdc-it', logLevel: 'SILENT' });
const secrets = new LocalSecretStore();
let source: PgNode;
let target: PgNode;
let payload: Record<string, unknown>;

beforeAll(async () => {
  [source, target] = await Promise.all([
    primaryForFile({ name: 'syncseq-src' }),
    primaryForFile({ name: 'syncseq-tgt' }),
  ]);
  const schema = 'CREATE SCHEMA shop; CREATE TABLE shop.orders (id bigserial PRIMARY KEY);';
  await Promise.all([source.query(schema), target.query(schema)]);
  await source.query('INSERT INTO shop.orders SELECT FROM generate_series(1, 30)');
  payload = {
    source: { secretArn: secrets.register('syncseq-src', source.url()), database: 'postgres' },
    target: { secretArn: secrets.register('syncseq-tgt', target.url()), database: 'postgres' },
    tableMappings: selectionMappings({ schema: 'shop', table: '%' }),
    gap: 10,
  };
});

const context = (): Context => lambdaTestContext('sync-sequences-it');

const invoke = (event: unknown) => syncSequences({ secrets, logger, env: ENV })(event, context());

describe('sync-sequences Lambda', () => {
  it('sets the target sequence to the source value plus the gap; a retry changes nothing', async () => {
    expect(await invoke(payload)).toEqual({
      summary: { sequences: 1, set: 1, inStep: 0, targetAhead: 0, notSynced: 0 },
      sequences: [
        {
          name: 'shop.orders_id_seq',
          target: 'shop.orders_id_seq',
          action: 'set',
          from: 0,
          to: 40,
          reason: 'moved forward to the source',
        },
      ],
    });
    expect(await invoke(payload)).toEqual({
      summary: { sequences: 1, set: 0, inStep: 1, targetAhead: 0, notSynced: 0 },
      sequences: [],
    });
    const [next] = await target.query<{ id: string }>(`SELECT nextval('shop.orders_id_seq') AS id`);
    expect(next?.id).toBe('41');
  });

  it('fails with SequencesNotSyncedError naming a sequence the target lacks, after setting the others', async () => {
    await source.query("CREATE SEQUENCE shop.invoice_no; SELECT setval('shop.invoice_no', 7)");
    await source.query("CREATE SEQUENCE shop.zz_ticket; SELECT setval('shop.zz_ticket', 3)");
    await target.query('CREATE SEQUENCE shop.zz_ticket');
    await expect(invoke(payload)).rejects.toMatchObject({
      name: 'SequencesNotSyncedError',
      message: expect.stringContaining('shop.invoice_no (missing-on-target)'),
    });
    const [ticket] = await target.query<{ v: string }>('SELECT last_value::text AS v FROM shop.zz_ticket');
    expect(ticket?.v).toBe('13');
  });

  it('refuses an unknown key or a negative gap, naming the field', async () => {
    await expect(invoke({ ...payload, gap: -1 })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^gap/),
    });
    await expect(invoke({ ...payload, force: true })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^force/),
    });
  });
});
