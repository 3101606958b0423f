import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPgHealthReader } from '../../src/adapters/pg/health.js';
import { gatherSourceFacts } from '../../src/adapters/pg/preflight/source-facts.js';
import { buildPgSourceDb } from '../../src/adapters/pg/slots.js';
import { toSlotJson } from '../../src/core/slot.js';
import { type PgMajor, type PgNode, primaryForFile } from '../support/pg.js';

// One slot model, one select list: the slot reader, the health check and the preflight see the same
// slots, column for column, on a major before each late column (12), with conflicting (16) and with
// every column up to inactive_since (18).
describe.each([12, 16, 18] as const)('the slot readers on PostgreSQL %i', (major: PgMajor) => {
  let node: PgNode;
  let client: pg.Client;

  beforeAll(async () => {
    node = await primaryForFile({ name: `slot-readers-${major}`, major });
    await node.query(`SELECT pg_create_logical_replication_slot('b_logical', 'test_decoding')`);
    await node.query(`SELECT pg_create_physical_replication_slot('a_physical', true)`);
    client = await node.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  it('agree on every slot and column', async () => {
    const read = (await buildPgSourceDb(client).readSlots()).map((r) => toSlotJson(r.slot));
    const health = (await buildPgHealthReader(client).readSlots()).slots.map((h) =>
      toSlotJson(h.reading.slot),
    );
    const { facts } = await gatherSourceFacts(client);

    expect(read.map((s) => s.slotName)).toEqual(['a_physical', 'b_logical']);
    expect(health).toEqual(read);
    expect(facts.replication.slots).toEqual(read.map(({ inactiveSince: _, ...fact }) => fact));
  });

  it('reads the columns this major has and null for the others', async () => {
    const [, logical] = (await buildPgSourceDb(client).readSlots()).map((r) => toSlotJson(r.slot));
    expect(logical).toMatchObject({
      plugin: 'test_decoding',
      walStatus: major >= 13 ? 'reserved' : null,
      twoPhase: major >= 14 ? false : null,
      conflicting: major >= 16 ? false : null,
      failover: major >= 17 ? false : null,
      invalidationReason: null,
    });
    expect(logical?.inactiveSince === null).toBe(major < 17);
  });
});
