import type { CdcTaskSpec, Dms, Endpoint, SourceEndpointSpec, Task } from '../../ports/dms.js';
import { isLsn, parseLsn } from '../lsn.js';
import { ConflictingResourceError, DmsResourceExistsError } from './errors.js';

/**
 * Idempotent create steps: a Step Functions retry, or a second run of the same cutover, finds what
 * the first one made and reuses it, but only when reusing it is safe. Anything that would replicate
 * from another slot, database or position is a ConflictingResourceError naming the field.
 */

export interface EnsuredEndpoint {
  readonly endpoint: Endpoint;
  readonly created: boolean;
}

export interface EnsuredTask {
  readonly task: Task;
  readonly created: boolean;
}

/** One compared field: its name, what exists, what this run wants, and whether they agree. */
interface Comparison {
  readonly field: string;
  readonly existing: string | undefined;
  readonly wanted: string | undefined;
  readonly same: boolean;
  readonly remedy?: string;
}

function compare(field: string, existing: string | undefined, wanted: string | undefined): Comparison {
  return { field, existing, wanted, same: existing === wanted };
}

/** A resource on its way out cannot be reused, whatever its settings; it is gone once DMS finishes. */
function notDeleting(status: string | undefined): Comparison {
  return {
    field: 'status',
    existing: status,
    wanted: 'anything but deleting',
    same: status !== 'deleting',
    remedy: 'Wait until DMS has finished deleting it, then run again',
  };
}

export async function ensureSourceEndpoint(dms: Dms, spec: SourceEndpointSpec): Promise<EnsuredEndpoint> {
  const { made, created } = await createOrReuse(await dms.findEndpoint(spec.identifier), {
    resource: 'endpoint',
    identifier: spec.identifier,
    differences: (endpoint) => endpointDifferences(endpoint, spec),
    create: () => dms.createSourceEndpoint(spec),
    find: () => dms.findEndpoint(spec.identifier),
  });
  return { endpoint: made, created };
}

/**
 * The CDC task for a spec, created when `existing` (the caller's own lookup, so there is no second
 * DescribeReplicationTasks) is absent; an existing one is reused only when it matches the spec.
 */
export async function ensureCdcTaskGiven(
  dms: Dms,
  spec: CdcTaskSpec,
  existing: Task | undefined,
): Promise<EnsuredTask> {
  const { made, created } = await createOrReuse(existing, {
    resource: 'task',
    identifier: spec.identifier,
    differences: (task) => taskDifferences(task, spec),
    create: () => dms.createCdcTask(spec),
    find: () => dms.findTask(spec.identifier),
  });
  return { task: made, created };
}

/** How one kind of resource is made, found again and compared with what this run wants. */
interface Ensure<R> {
  readonly resource: 'endpoint' | 'task';
  readonly identifier: string;
  readonly differences: (existing: R) => Comparison[];
  readonly create: () => Promise<R>;
  readonly find: () => Promise<R | undefined>;
}

/** `existing` when it matches the spec, else a new one. */
async function createOrReuse<R extends { readonly arn: string }>(
  existing: R | undefined,
  how: Ensure<R>,
): Promise<{ made: R; created: boolean }> {
  const reuse = (found: R) => {
    assertNoConflict(how.resource, how.identifier, found.arn, how.differences(found));
    return { made: found, created: false };
  };
  if (existing) return reuse(existing);
  try {
    return { made: await how.create(), created: true };
  } catch (error) {
    // Another run created it between the lookup and this create: judge theirs by the same rule.
    return reuse(await refindAfterRace(error, how.find));
  }
}

/** The slot, plugin and database decide which changes DMS reads; any difference is a different stream. */
function endpointDifferences(endpoint: Endpoint, spec: SourceEndpointSpec): Comparison[] {
  return [
    notDeleting(endpoint.status),
    compare('endpointType', endpoint.endpointType, 'source'),
    compare('engineName', endpoint.engineName, spec.engineName ?? 'postgres'),
    compare('slotName', endpoint.slotName, spec.slotName),
    compare('pluginName', endpoint.pluginName, spec.pluginName),
    compare('databaseName', endpoint.databaseName, spec.databaseName),
  ];
}

/**
 * Same endpoints, instance and a CDC task from the same LSN. A task that would start elsewhere is
 * never reused: starting it would skip changes or apply some twice.
 */
function taskDifferences(task: Task, spec: CdcTaskSpec): Comparison[] {
  return [
    notDeleting(task.status),
    compare('sourceEndpointArn', task.sourceEndpointArn, spec.sourceEndpointArn),
    compare('targetEndpointArn', task.targetEndpointArn, spec.targetEndpointArn),
    compare('replicationInstanceArn', task.replicationInstanceArn, spec.replicationInstanceArn),
    compare('migrationType', task.migrationType, 'cdc'),
    {
      ...compare('cdcStartPosition', task.cdcStartPosition, spec.cdcStartPosition),
      same: sameLsn(task.cdcStartPosition, spec.cdcStartPosition),
    },
  ];
}

/** Compares positions as LSNs: DMS may echo 4af/b00000d0 for 4AF/B00000D0. */
function sameLsn(existing: string | undefined, wanted: string): boolean {
  if (!isLsn(existing) || !isLsn(wanted)) return existing === wanted;
  return parseLsn(existing) === parseLsn(wanted);
}

function assertNoConflict(
  resource: 'endpoint' | 'task',
  identifier: string,
  arn: string,
  comparisons: readonly Comparison[],
): void {
  const differing = comparisons.find((c) => !c.same);
  if (differing) {
    throw new ConflictingResourceError({ resource, identifier, arn, ...differing });
  }
}

/** After a create failed: if it lost a race, the winner's resource; otherwise the original error. */
async function refindAfterRace<T>(error: unknown, find: () => Promise<T | undefined>): Promise<T> {
  if (!(error instanceof DmsResourceExistsError)) throw error;
  const found = await find();
  // Exists but cannot be found: deleted again in between, or not visible yet. Let a retry sort it out.
  if (found === undefined) throw error;
  return found;
}
