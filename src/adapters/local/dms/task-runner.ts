import pg from 'pg';
import { DECODING_SESSION_SETTINGS, type DecodedChange, parseChange } from '../../../core/decoding/index.js';
import { compareLsn, formatLsn, type Lsn } from '../../../core/lsn.js';
import type { StartType } from '../../../ports/dms.js';
import { buildPgSourceDb } from '../../pg/slots.js';
import { type ApplyCounts, applyChange, emptyCounts } from './apply.js';
import {
  advanceCheckpoint,
  ensureControlTables,
  readCheckpoint,
  resetCheckpoint,
  type StoredCheckpoint,
} from './checkpoint-store.js';
import { EngineRefusal } from './failures.js';
import type { StopPosition } from './stop-position.js';
import type { TableFilter } from './table-filter.js';
import { TargetSchema } from './target-schema.js';
import { type WalMessage, WalStream } from './wal-stream.js';

export interface RunnerConfig {
  readonly taskIdentifier: string;
  /** Resolved at each start, so an endpoint whose secret now names a promoted standby follows it. */
  readonly source: () => Promise<pg.ClientConfig>;
  readonly target: pg.ClientConfig;
  readonly slotName: string;
  readonly filter: TableFilter;
  readonly stopPosition: StopPosition | undefined;
  /** Reports each durable checkpoint (after the target commit) and the running counts. */
  readonly onCheckpoint: (checkpoint: StoredCheckpoint, counts: ApplyCounts) => void;
}

export type RunnerOutcome =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'stopped-at'; readonly reason: string };

interface PendingTransaction {
  changes: DecodedChange[];
}

/**
 * Runs one CDC task: decides where to start (the DMS rules for each start type), streams the slot
 * over the replication protocol, applies each source transaction to the target in one target
 * transaction together with the checkpoint, and only then confirms it on the slot.
 */
export class TaskRunner {
  private stream: WalStream | undefined;
  private target: pg.Client | undefined;
  private pending: PendingTransaction | undefined;
  private checkpoint: StoredCheckpoint | undefined;
  private stopRequested = false;
  private clockTimer: NodeJS.Timeout | undefined;
  private sourceConfig: pg.ClientConfig = {};
  /** Wall time the oldest received-but-unapplied change arrived: the engine's CDC latency. */
  private inFlightSince: number | undefined;
  private stoppedAt: string | undefined;
  readonly counts: ApplyCounts = emptyCounts();

  constructor(private readonly config: RunnerConfig) {}

  /** Connects, positions and starts streaming; resolves once the slot is being read. */
  async start(startType: StartType, requestedPosition: Lsn | undefined, ranBefore: boolean): Promise<void> {
    this.sourceConfig = await this.config.source();
    this.target = await connect(this.config.target, `dms-local-${this.config.taskIdentifier}-apply`);
    await applySessionSettings(this.target);
    await ensureControlTables(this.target);
    const startLsn = await this.position(startType, requestedPosition, ranBefore);
    this.checkpoint = await readCheckpoint(this.target, this.config.taskIdentifier);
    const schema = new TargetSchema(this.target);
    this.stream = await WalStream.open(this.sourceConfig, {
      slotName: this.config.slotName,
      startLsn,
      pluginOptions: { 'include-xids': '1', 'include-timestamp': '1', 'skip-empty-xacts': '1' },
      sessionSettings: DECODING_SESSION_SETTINGS,
      applicationName: `dms-local-${this.config.taskIdentifier}`,
      onMessage: (message) => this.receive(message, schema),
    });
    this.watchClock();
  }

  /** server_time stop positions apply even on an idle source, so the clock is checked on its own. */
  private watchClock(): void {
    const stopPosition = this.config.stopPosition;
    if (!stopPosition) return;
    this.clockTimer = setInterval(() => {
      const reason = stopPosition.reachedByClock();
      if (reason && !this.stoppedAt) {
        this.stoppedAt = reason;
        void this.stream?.close();
      }
    }, 100);
  }

  /** Resolves when streaming ends by a stop, a stop position, or rejects with what broke it. */
  async finished(): Promise<RunnerOutcome> {
    if (!this.stream) throw new Error('runner was not started');
    try {
      await this.stream.done;
    } finally {
      await this.closeConnections();
    }
    if (this.stoppedAt) return { kind: 'stopped-at', reason: this.stoppedAt };
    if (this.stopRequested) return { kind: 'stopped' };
    throw new EngineRefusal('the source closed the replication stream', 'RECOVERABLE_ERROR');
  }

  /** A user stop: the transaction being applied finishes, nothing after it is read. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.stream?.close();
  }

  /** Simulates the replication instance dying: connections cut mid-flight, nothing finished cleanly. */
  crash(): void {
    this.stopRequested = false;
    for (const client of [this.target, this.stream?.rawClient]) {
      (
        client as unknown as { connection?: { stream?: { destroy(): void } } } | undefined
      )?.connection?.stream?.destroy();
    }
  }

  get lastCheckpoint(): StoredCheckpoint | undefined {
    return this.checkpoint;
  }

  get streamPid(): number | undefined {
    return this.stream?.pid;
  }

  private async position(startType: StartType, requested: Lsn | undefined, ranBefore: boolean): Promise<Lsn> {
    const target = this.target as pg.Client;
    const source = await connect(this.sourceConfig, `dms-local-${this.config.taskIdentifier}-control`);
    try {
      const slots = buildPgSourceDb(source);
      const stored = await readCheckpoint(target, this.config.taskIdentifier);
      if (startType === 'resume-processing' && stored) {
        await requireUsableSlot(slots, this.config.slotName);
        return stored.lsn;
      }
      if (startType === 'start-replication' && ranBefore) {
        // What DMS does on a restart of a CDC task: the slot is dropped and created anew, so every
        // change it still held is gone. The orchestrator must never get here for recovery.
        const lsn = await recreateSlot(source, slots, this.config.slotName);
        await resetCheckpoint(target, this.config.taskIdentifier, lsn);
        return lsn;
      }
      const slot = await requireUsableSlot(slots, this.config.slotName);
      const confirmed = slot.confirmedFlushLsn as Lsn;
      const start = requested ?? confirmed;
      if (compareLsn(start, confirmed) < 0) {
        throw new EngineRefusal(
          `Invalid CDC start position ${formatLsn(start)}: it is older than confirmed_flush_lsn ${formatLsn(confirmed)} ` +
            `of replication slot '${this.config.slotName}'`,
          'FATAL_ERROR',
        );
      }
      await resetCheckpoint(target, this.config.taskIdentifier, start);
      return start;
    } finally {
      await source.end().catch(() => undefined);
    }
  }

  /** Seconds the oldest change received but not yet applied has waited (0 when caught up). */
  latencySeconds(now = Date.now()): number {
    return this.inFlightSince === undefined ? 0 : (now - this.inFlightSince) / 1000;
  }

  private async receive(message: WalMessage, schema: TargetSchema): Promise<void> {
    this.inFlightSince ??= Date.now();
    const line = parseChange(message.data);
    if (line.kind === 'begin') {
      this.pending = { changes: [] };
      return;
    }
    if (line.kind !== 'commit') {
      if (line.kind === 'message' && !line.transactional) return;
      this.pending?.changes.push(line);
      return;
    }
    const transaction = this.pending;
    this.pending = undefined;
    const stream = this.stream as WalStream;
    if (this.checkpoint && compareLsn(message.lsn, this.checkpoint.lsn) <= 0) {
      // Applied before a crash but not yet confirmed on the slot: the server sends it again.
      stream.confirm(message.lsn);
      this.inFlightSince = undefined;
      return;
    }
    const stop = this.config.stopPosition?.reached(line.commitTime);
    if (stop) {
      this.stoppedAt = stop;
      await stream.close();
      return;
    }
    await this.applyTransaction(transaction?.changes ?? [], message.lsn, schema);
    stream.confirm(message.lsn);
    this.inFlightSince = undefined;
  }

  private async applyTransaction(
    changes: readonly DecodedChange[],
    commitLsn: Lsn,
    schema: TargetSchema,
  ): Promise<void> {
    const target = this.target as pg.Client;
    const selected = changes.flatMap((c) => this.selected(c));
    await target.query('BEGIN');
    try {
      for (const change of selected) await applyChange(target, schema, change, this.counts);
      const checkpoint = await advanceCheckpoint(target, this.config.taskIdentifier, commitLsn);
      await target.query('COMMIT');
      this.checkpoint = checkpoint;
      this.config.onCheckpoint(checkpoint, this.counts);
    } catch (error) {
      await target.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** The part of a change the task's table mappings select (a TRUNCATE may name several tables). */
  private selected(change: DecodedChange): DecodedChange[] {
    if (change.kind === 'message') return [change];
    if (change.kind === 'truncate') {
      const relations = change.relations.filter((r) => this.config.filter(r.schema, r.table));
      return relations.length > 0 ? [{ ...change, relations }] : [];
    }
    return this.config.filter(change.schema, change.table) ? [change] : [];
  }

  private async closeConnections(): Promise<void> {
    clearInterval(this.clockTimer);
    await this.stream?.close();
    await this.target?.end().catch(() => undefined);
  }
}

async function requireUsableSlot(slots: ReturnType<typeof buildPgSourceDb>, slotName: string) {
  const reading = await slots.readSlot(slotName);
  if (!reading) throw new EngineRefusal(`Replication slot '${slotName}' does not exist`, 'FATAL_ERROR');
  const { slot } = reading;
  if (slot.active) {
    throw new EngineRefusal(
      `replication slot "${slotName}" is active for PID ${slot.activePid}`,
      'RECOVERABLE_ERROR',
    );
  }
  if (slot.walStatus === 'lost' || slot.confirmedFlushLsn === null) {
    throw new EngineRefusal(
      `can no longer get changes from replication slot "${slotName}": its WAL was removed (wal_status ${slot.walStatus})`,
      'FATAL_ERROR',
    );
  }
  return slot;
}

async function recreateSlot(
  source: pg.Client,
  slots: ReturnType<typeof buildPgSourceDb>,
  slotName: string,
): Promise<Lsn> {
  const existing = await slots.readSlot(slotName);
  if (existing?.slot.active) {
    throw new EngineRefusal(
      `replication slot "${slotName}" is active for PID ${existing.slot.activePid}`,
      'RECOVERABLE_ERROR',
    );
  }
  if (existing) await source.query('SELECT pg_drop_replication_slot($1)', [slotName]);
  await source.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [slotName]);
  const created = await slots.readSlot(slotName);
  return created?.slot.confirmedFlushLsn as Lsn;
}

async function connect(config: pg.ClientConfig, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ ...config, application_name: applicationName });
  client.on('error', () => undefined); // a broken connection surfaces as the next query's error
  await client.connect();
  return client;
}

async function applySessionSettings(client: pg.Client): Promise<void> {
  for (const [name, value] of Object.entries(DECODING_SESSION_SETTINGS)) {
    await client.query('SELECT set_config($1, $2, false)', [name, value]);
  }
}
