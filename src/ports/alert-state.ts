/**
 * Per-alert state for deduplication (docs/architecture.md, "Health checks and alerts"): what level a metric is at, since when,
 * and when it was last notified. Several health checks can run at once (a schedule that overlaps a
 * slow run, a CLI --watch next to the schedule), so a change is a compare-and-set on `version`: the
 * run whose write lands publishes, the other learns it lost and stays quiet.
 *
 * Adapters: DynamoDB in AWS (one item per key; PutItem with
 * `attribute_not_exists(pk)` when creating, `version = :expected` otherwise, and a
 * ConditionalCheckFailedException read as "lost"), and src/adapters/local/alert-state-store.ts.
 */
export type AlertLevel = 'OK' | 'WARNING' | 'CRITICAL';

export interface AlertStateRecord {
  readonly state: AlertLevel;
  /** When the metric entered `state` (epoch milliseconds). */
  readonly since: number;
  /** When an alert about this key was last published; null if never (a quiet OK). */
  readonly lastNotifiedAt: number | null;
  /** The measured value at the last write, for the trend in the next message; null if none. */
  readonly lastValue: number | null;
  /** Incremented by every successful transition; 1 for a new record. */
  readonly version: number;
}

/** What a transition writes; the store assigns the version. */
export type AlertStateUpdate = Omit<AlertStateRecord, 'version'>;

export interface AlertState extends HealthHistoryStore {
  get(key: string): Promise<AlertStateRecord | undefined>;
  /**
   * Writes `next` only if the stored record is still at `expectedVersion` (null: only if there is
   * no record yet). Returns false, writing nothing, when another writer got there first; the caller
   * then re-reads and decides again (usually: someone else already notified).
   */
  transition(key: string, expectedVersion: number | null, next: AlertStateUpdate): Promise<boolean>;
}

/**
 * One measurement of a source kept for forecasts: how fast WAL is written, how fast each slot falls
 * behind and how fast the WAL disk's free space shrinks come from the differences between samples.
 */
export interface HealthSample {
  /** When the check ran (epoch milliseconds, the checker's clock). */
  readonly at: number;
  /** pg_current_wal_lsn() (a standby: the replay position), as a decimal byte position. */
  readonly lsn: string;
  /** Bytes the WAL can still grow into (capacity minus pg_wal, or RDS FreeStorageSpace); null if unknown. */
  readonly walFreeBytes: number | null;
  /**
   * Every slot seen, by name: its restart_lsn as a decimal byte position (null if it has none). How
   * fast it moves against `lsn` says whether the slot keeps up; the names say which slots were dropped.
   */
  readonly slots: Readonly<Record<string, string | null>>;
}

/** The bounded sample history of one source; `version` as for alert records (1 for a new one). */
export interface HealthHistoryRecord {
  readonly samples: readonly HealthSample[];
  readonly version: number;
}

/** Sample histories, kept next to the alert states (one record per source) with the same compare-and-set. */
export interface HealthHistoryStore {
  getHistory(source: string): Promise<HealthHistoryRecord | undefined>;
  /** Writes `samples` only if the stored history is still at `expectedVersion` (null: none yet). */
  putHistory(
    source: string,
    expectedVersion: number | null,
    samples: readonly HealthSample[],
  ): Promise<boolean>;
}
