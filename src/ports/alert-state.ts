/**
 * Per-alert state for deduplication (DESIGN.md section 8): what level a metric is at, since when,
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

export interface AlertState {
  get(key: string): Promise<AlertStateRecord | undefined>;
  /**
   * Writes `next` only if the stored record is still at `expectedVersion` (null: only if there is
   * no record yet). Returns false, writing nothing, when another writer got there first; the caller
   * then re-reads and decides again (usually: someone else already notified).
   */
  transition(key: string, expectedVersion: number | null, next: AlertStateUpdate): Promise<boolean>;
}
