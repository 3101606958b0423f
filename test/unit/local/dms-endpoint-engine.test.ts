import { describe, expect, it } from 'vitest';
import { LocalDms } from '../../../src/adapters/local/dms/engine.js';
import { ensureSourceEndpoint } from '../../../src/core/dms/ensure.js';
import type { SourceEndpointSpec } from '../../../src/ports/dms.js';

const SPEC: SourceEndpointSpec = {
  identifier: 'cutover-orders-dms-slot-1a2b3c4d',
  // A URL endpoint: creating it reaches no database.
  access: { kind: 'url', url: 'postgres://dms@127.0.0.1:5432/orders' },
  engineName: 'aurora-postgresql',
  databaseName: 'orders',
  slotName: 'dms_slot',
  pluginName: 'test-decoding',
  sslMode: 'require',
  heartbeat: { enabled: true, frequencyMinutes: 5 },
  captureDdls: true,
  tags: {},
};

describe('local DMS engine: source endpoint engine', () => {
  it('keeps the EngineName it was created with, so a re-run reuses an Aurora endpoint', async () => {
    const dms = new LocalDms();

    const first = await ensureSourceEndpoint(dms, SPEC);
    const again = await ensureSourceEndpoint(dms, SPEC);

    expect(first).toMatchObject({ created: true, endpoint: { engineName: 'aurora-postgresql' } });
    expect(again).toMatchObject({ created: false, endpoint: { arn: first.endpoint.arn } });
  });

  it('answers postgres when the spec names no engine, like CreateEndpoint without one from this orchestrator', async () => {
    const { engineName: _, ...postgres } = SPEC;
    const created = await new LocalDms().createSourceEndpoint(postgres);
    expect(created.engineName).toBe('postgres');
  });
});
