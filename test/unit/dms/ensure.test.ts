import { beforeEach, describe, expect, it } from 'vitest';
import { ensureCdcTaskGiven, ensureSourceEndpoint } from '../../../src/core/dms/ensure.js';
import {
  ConflictingResourceError,
  DmsInvalidStateError,
  DmsResourceExistsError,
} from '../../../src/core/dms/errors.js';
import type { CdcTaskSpec, Dms, Endpoint } from '../../../src/ports/dms.js';
import { FakeDms } from './fake-dms.js';
import {
  cdcTaskSpec,
  endpointFromSpec,
  INSTANCE_ARN,
  portTask,
  sourceEndpointSpec,
  TASK_ARN,
} from './fixtures.js';

let dms: FakeDms;

beforeEach(() => {
  dms = new FakeDms();
});

function existingEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    ...endpointFromSpec('arn:aws:dms:us-east-1:123456789012:endpoint:EXISTING', sourceEndpointSpec()),
    ...overrides,
  };
}

describe('ensureSourceEndpoint', () => {
  it('creates the endpoint when none has the identifier', async () => {
    const result = await ensureSourceEndpoint(dms, sourceEndpointSpec());

    expect(result.created).toBe(true);
    expect(result.endpoint.slotName).toBe('dms_orders_slot');
    expect(dms.calls).toEqual([
      `findEndpoint ${sourceEndpointSpec().identifier}`,
      `createSourceEndpoint ${sourceEndpointSpec().identifier}`,
    ]);
  });

  it('reuses a matching endpoint and says so, without creating', async () => {
    dms.endpoints.set(sourceEndpointSpec().identifier, existingEndpoint());

    const result = await ensureSourceEndpoint(dms, sourceEndpointSpec());

    expect(result).toEqual({ endpoint: existingEndpoint(), created: false });
    expect(dms.calls.some((c) => c.startsWith('createSourceEndpoint'))).toBe(false);
  });

  it.each([
    ['slotName', { slotName: 'other_slot' }, 'other_slot', 'dms_orders_slot'],
    ['pluginName', { pluginName: 'pglogical' as const }, 'pglogical', 'test-decoding'],
    ['databaseName', { databaseName: 'billing' }, 'billing', 'orders'],
    ['engineName', { engineName: 'mysql' }, 'mysql', 'postgres'],
    ['endpointType', { endpointType: 'target' as const }, 'target', 'source'],
    ['status', { status: 'deleting' }, 'deleting', 'anything but deleting'],
  ])('refuses an endpoint whose %s differs', async (field, overrides, existing, wanted) => {
    dms.endpoints.set(sourceEndpointSpec().identifier, existingEndpoint(overrides));

    const error = await ensureSourceEndpoint(dms, sourceEndpointSpec()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictingResourceError);
    expect(error).toMatchObject({
      name: 'ConflictingResourceError',
      resource: 'endpoint',
      field,
      existing,
      wanted,
    });
    expect((error as ConflictingResourceError).remedy).toBeTruthy();
    expect(dms.calls.some((c) => c.startsWith('createSourceEndpoint'))).toBe(false);
  });

  it('reuses an Aurora PostgreSQL endpoint when the spec asks for that engine', async () => {
    dms.endpoints.set(sourceEndpointSpec().identifier, existingEndpoint({ engineName: 'aurora-postgresql' }));
    const aurora = { ...sourceEndpointSpec(), engineName: 'aurora-postgresql' as const };

    expect((await ensureSourceEndpoint(dms, aurora)).created).toBe(false);
    await expect(ensureSourceEndpoint(dms, sourceEndpointSpec())).rejects.toMatchObject({
      field: 'engineName',
      existing: 'aurora-postgresql',
      wanted: 'postgres',
    });
  });

  it('tells how to fix a conflict: another prefix, or delete the old endpoint', async () => {
    dms.endpoints.set(sourceEndpointSpec().identifier, existingEndpoint({ slotName: 'other_slot' }));

    const error = (await ensureSourceEndpoint(dms, sourceEndpointSpec()).catch(
      (e: unknown) => e,
    )) as ConflictingResourceError;

    expect(error.message).toContain('slotName "other_slot"');
    expect(error.remedy).toContain('another identifier prefix');
    expect(error.remedy).toContain(existingEndpoint().arn);
  });

  it('reuses the endpoint another run created between our lookup and our create', async () => {
    dms.onCreate = () => dms.endpoints.set(sourceEndpointSpec().identifier, existingEndpoint());

    const result = await ensureSourceEndpoint(dms, sourceEndpointSpec());

    expect(result).toEqual({ endpoint: existingEndpoint(), created: false });
    expect(dms.calls.filter((c) => c.startsWith('findEndpoint'))).toHaveLength(2);
  });

  it('applies the same match rule to the endpoint that won the race', async () => {
    dms.onCreate = () =>
      dms.endpoints.set(sourceEndpointSpec().identifier, existingEndpoint({ slotName: 'x' }));

    await expect(ensureSourceEndpoint(dms, sourceEndpointSpec())).rejects.toMatchObject({
      name: 'ConflictingResourceError',
      field: 'slotName',
    });
  });

  it('rethrows "already exists" when the winner cannot be found again', async () => {
    dms.createSourceEndpoint = async (spec) => {
      throw new DmsResourceExistsError('CreateEndpoint', `endpoint ${spec.identifier}`, 'exists');
    };

    await expect(ensureSourceEndpoint(dms, sourceEndpointSpec())).rejects.toThrow(DmsResourceExistsError);
  });

  it('lets other create failures through unchanged', async () => {
    const failure = new DmsInvalidStateError('CreateEndpoint', 'endpoint x', 'nope');
    dms.createSourceEndpoint = async () => {
      throw failure;
    };

    await expect(ensureSourceEndpoint(dms, sourceEndpointSpec())).rejects.toBe(failure);
    expect(dms.calls.filter((c) => c.startsWith('findEndpoint'))).toHaveLength(1);
  });
});

/** As create-task-from-slot calls it: after its own lookup of the task by identifier. */
const ensureCdcTask = async (dms: Dms, spec: CdcTaskSpec) =>
  ensureCdcTaskGiven(dms, spec, await dms.findTask(spec.identifier));

describe('ensureCdcTaskGiven', () => {
  const existing = () => portTask({ arn: TASK_ARN, identifier: cdcTaskSpec().identifier, status: 'stopped' });

  it('creates the task when none has the identifier', async () => {
    const result = await ensureCdcTask(dms, cdcTaskSpec());

    expect(result.created).toBe(true);
    expect(result.task).toMatchObject({ migrationType: 'cdc', cdcStartPosition: '4AF/B00000D0' });
  });

  it('reuses a matching task, whatever its run state', async () => {
    dms.tasks.set(TASK_ARN, existing());

    const result = await ensureCdcTask(dms, cdcTaskSpec());

    expect(result).toEqual({ task: existing(), created: false });
    expect(dms.calls.some((c) => c.startsWith('createCdcTask'))).toBe(false);
  });

  it('treats the same LSN spelt differently as the same start position', async () => {
    dms.tasks.set(TASK_ARN, { ...existing(), cdcStartPosition: '4af/b00000d0' });

    await expect(ensureCdcTask(dms, cdcTaskSpec())).resolves.toMatchObject({ created: false });
  });

  it('never reuses a task that would start at a different position', async () => {
    dms.tasks.set(TASK_ARN, { ...existing(), cdcStartPosition: '4AF/A0000000' });

    const error = await ensureCdcTask(dms, cdcTaskSpec()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictingResourceError);
    expect(error).toMatchObject({
      resource: 'task',
      field: 'cdcStartPosition',
      existing: '4AF/A0000000',
      wanted: '4AF/B00000D0',
    });
  });

  it.each([
    ['sourceEndpointArn', { sourceEndpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:OTHER' }],
    ['targetEndpointArn', { targetEndpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:OTHER' }],
    ['replicationInstanceArn', { replicationInstanceArn: `${INSTANCE_ARN}-2` }],
    ['migrationType', { migrationType: 'full-load-and-cdc' as const }],
    ['cdcStartPosition', { cdcStartPosition: undefined }],
    ['status', { status: 'deleting' as const }],
  ])('refuses a task whose %s differs', async (field, overrides) => {
    dms.tasks.set(TASK_ARN, { ...existing(), ...overrides });

    await expect(ensureCdcTask(dms, cdcTaskSpec())).rejects.toMatchObject({
      name: 'ConflictingResourceError',
      resource: 'task',
      field,
    });
  });

  it('handles the create race with the same rule', async () => {
    dms.onCreate = () => dms.tasks.set(TASK_ARN, existing());

    await expect(ensureCdcTask(dms, cdcTaskSpec())).resolves.toEqual({ task: existing(), created: false });

    dms.tasks.clear();
    dms.onCreate = () => dms.tasks.set(TASK_ARN, { ...existing(), cdcStartPosition: '0/0' });

    await expect(ensureCdcTask(dms, cdcTaskSpec())).rejects.toMatchObject({ field: 'cdcStartPosition' });
  });
});
