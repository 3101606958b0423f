import {
  type DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
} from '@aws-sdk/client-database-migration-service';
import { DmsResourceNotFoundError } from '../../core/dms/errors.js';
import type { DmsEngineVersionReader } from '../../ports/dms.js';
import { toDmsError } from './dms-errors.js';

export type { DmsEngineVersionReader };

/** EngineVersion from DescribeReplicationInstances (no resource-level permission: asked on "*"). */
export function buildDmsEngineVersionReader(dms: DatabaseMigrationServiceClient): DmsEngineVersionReader {
  return async (arn) => {
    let version: string | undefined;
    try {
      const output = await dms.send(
        new DescribeReplicationInstancesCommand({
          Filters: [{ Name: 'replication-instance-arn', Values: [arn] }],
        }),
      );
      version = output.ReplicationInstances?.[0]?.EngineVersion;
    } catch (error) {
      throw toDmsError(error, 'DescribeReplicationInstances', `replication instance ${arn}`);
    }
    if (version === undefined) {
      throw new DmsResourceNotFoundError(
        'DescribeReplicationInstances',
        `replication instance ${arn}`,
        'no match',
      );
    }
    return version;
  };
}
