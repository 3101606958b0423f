import {
  type DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  type ReplicationInstance,
} from '@aws-sdk/client-database-migration-service';
import { DmsResourceNotFoundError } from '../../core/dms/errors.js';
import type { DmsEngineVersionReader } from '../../ports/dms.js';
import { toDmsError } from './dms-errors.js';

export type { DmsEngineVersionReader };

/** EngineVersion from DescribeReplicationInstances (no resource-level permission: asked on "*"). */
export function buildDmsEngineVersionReader(dms: DatabaseMigrationServiceClient): DmsEngineVersionReader {
  return (arn) => replicationInstanceField(dms, arn, (instance) => instance.EngineVersion);
}

/**
 * One field of the replication instance with this ARN, from DescribeReplicationInstances; an
 * instance that is not there, or that does not give the field, is DmsResourceNotFoundError.
 */
export async function replicationInstanceField(
  dms: DatabaseMigrationServiceClient,
  arn: string,
  field: (instance: ReplicationInstance) => string | undefined,
): Promise<string> {
  let value: string | undefined;
  try {
    const output = await dms.send(
      new DescribeReplicationInstancesCommand({
        Filters: [{ Name: 'replication-instance-arn', Values: [arn] }],
      }),
    );
    const instance = output.ReplicationInstances?.[0];
    value = instance === undefined ? undefined : field(instance);
  } catch (error) {
    throw toDmsError(error, 'DescribeReplicationInstances', `replication instance ${arn}`);
  }
  if (value === undefined) {
    throw new DmsResourceNotFoundError(
      'DescribeReplicationInstances',
      `replication instance ${arn}`,
      'no match',
    );
  }
  return value;
}
