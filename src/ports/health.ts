import type { DmsTaskRef } from '../core/health/config.js';
import type { CloudReadings, SlotsSnapshot, WalDirReading } from '../core/health/measurement.js';

/**
 * The reads a health check makes. Adapters: src/adapters/pg/health.ts (one round trip for every slot,
 * one for pg_wal) and src/adapters/aws/cloudwatch.ts (one GetMetricData call for the RDS and DMS metrics).
 */

/** The reads the health check makes on the source, all on one session. */
export interface PgHealthReader {
  readSlots(): Promise<SlotsSnapshot>;
  readWalDir(): Promise<WalDirReading>;
}

/** Opens a session on the source (credentials, TLS, connect), runs `use`, and always closes it. */
export type OpenSource = <T>(use: (db: PgHealthReader) => Promise<T>) => Promise<T>;

/** CloudWatch, in AWS: one GetMetricData call per source. */
export interface CloudMetricsReader {
  read(request: {
    readonly rdsInstanceId: string | undefined;
    readonly dmsTasks: readonly DmsTaskRef[];
    /** End of the window (epoch milliseconds). */
    readonly at: number;
  }): Promise<CloudReadings>;
}
