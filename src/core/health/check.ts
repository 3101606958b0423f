import type { Clock } from '../../ports/clock.js';
import type { CloudMetricsReader, OpenSource } from '../../ports/health.js';
import type { ResolvedSource } from './config.js';
import type {
  CloudReadings,
  SlotHealth,
  SlotsSnapshot,
  SourceMeasurement,
  WalDirReading,
  WalDiskHealth,
} from './measurement.js';

export interface MeasureDeps {
  readonly openSource: OpenSource;
  /** CloudWatch (AWS only): RDS storage when the source has rdsInstanceId, DMS latency for its tasks. */
  readonly cloud?: CloudMetricsReader;
  readonly clock: Clock;
}

/**
 * Measures one source: every slot in one query, pg_wal in a second one on the same session (or
 * CloudWatch for an RDS instance), DMS latency from CloudWatch alongside. A failure to connect or to
 * read the slots throws (the caller turns it into a `sourceCheck` alert); a failure of the WAL or
 * CloudWatch reads is recorded in `problems` and the rest is still evaluated.
 */
export async function measureSource(source: ResolvedSource, deps: MeasureDeps): Promise<SourceMeasurement> {
  const problems: string[] = [];
  const useCloud = deps.cloud !== undefined;
  const cloudRead = readCloud(source, deps, problems);
  const walFromPg = !(useCloud && source.rdsInstanceId !== undefined);
  const { snapshot, walDir } = await deps.openSource(async (db) => {
    const slots = await db.readSlots();
    let dir: WalDirReading | null = null;
    if (walFromPg) {
      try {
        dir = await db.readWalDir();
      } catch (error) {
        problems.push(`WAL on disk not measured: ${describeError(error)}`);
      }
    }
    return { snapshot: slots, walDir: dir };
  });
  const cloud = await cloudRead;
  const { selected, missing } = selectSlots(snapshot, source.slots);
  return {
    source: source.name,
    measuredAt: snapshot.serverTime,
    serverVersion: snapshot.serverVersion,
    inRecovery: snapshot.inRecovery,
    slots: selected,
    missingSlots: missing,
    wal: walHealth(source, walDir, cloud),
    dms: cloud?.dms ?? [],
    problems,
    ...(snapshot.serverLsn !== undefined && { serverLsn: snapshot.serverLsn }),
    ...(snapshot.slotWalLimit !== undefined && { slotWalLimit: snapshot.slotWalLimit }),
  };
}

async function readCloud(
  source: ResolvedSource,
  deps: MeasureDeps,
  problems: string[],
): Promise<CloudReadings | null> {
  if (!deps.cloud || (source.rdsInstanceId === undefined && source.dmsTasks.length === 0)) return null;
  try {
    return await deps.cloud.read({
      rdsInstanceId: source.rdsInstanceId,
      dmsTasks: source.dmsTasks,
      at: deps.clock.now(),
    });
  } catch (error) {
    problems.push(`CloudWatch metrics not read: ${describeError(error)}`);
    return null;
  }
}

export function selectSlots(
  snapshot: SlotsSnapshot,
  selection: ResolvedSource['slots'],
): { selected: SlotHealth[]; missing: string[] } {
  if (selection === 'all') return { selected: [...snapshot.slots], missing: [] };
  if (selection === 'logical') {
    return { selected: snapshot.slots.filter((s) => s.reading.slot.slotType === 'logical'), missing: [] };
  }
  const byName = new Map(snapshot.slots.map((s) => [s.reading.slot.slotName, s]));
  const selected: SlotHealth[] = [];
  const missing: string[] = [];
  for (const name of new Set(selection)) {
    const slot = byName.get(name);
    if (slot) selected.push(slot);
    else missing.push(name);
  }
  return { selected, missing };
}

function walHealth(
  source: ResolvedSource,
  walDir: WalDirReading | null,
  cloud: CloudReadings | null,
): WalDiskHealth | null {
  if (walDir) {
    const capacity = source.walDiskCapacityBytes ?? null;
    return {
      via: 'pg_ls_waldir',
      bytes: walDir.bytes,
      files: walDir.files,
      capacityBytes: capacity,
      percent: percentOf(walDir.bytes, capacity),
      freeStorageBytes: cloud?.rds?.freeStorageSpace ?? null,
      replicationSlotDiskBytes: cloud?.rds?.replicationSlotDiskUsage ?? null,
    };
  }
  const rds = cloud?.rds;
  if (!rds) return null;
  const bytes = rds.transactionLogsDiskUsage;
  // Without a configured capacity, the room WAL can still grow into is what it uses plus what is free.
  const capacity =
    source.walDiskCapacityBytes ??
    (bytes !== null && rds.freeStorageSpace !== null ? bytes + rds.freeStorageSpace : null);
  return {
    via: 'cloudwatch',
    bytes,
    files: null,
    capacityBytes: capacity,
    percent: bytes === null ? null : percentOf(bytes, capacity),
    freeStorageBytes: rds.freeStorageSpace,
    replicationSlotDiskBytes: rds.replicationSlotDiskUsage,
  };
}

function percentOf(bytes: number, capacity: number | null): number | null {
  if (capacity === null || capacity <= 0) return null;
  return Math.round((bytes / capacity) * 1000) / 10;
}

/** Name and message of a failure, on one line, for problems and alert bodies (never a stack). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const suffix = typeof code === 'string' && !error.message.includes(code) ? ` (${code})` : '';
    return `${error.name}: ${error.message.split('\n')[0]}${suffix}`;
  }
  return String(error);
}
