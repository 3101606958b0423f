import pg from 'pg';
import { formatLsn, type Lsn, lsnFromBigInt } from '../../../core/lsn.js';

/** One logical decoding message: the plugin's text and the LSN the server tagged it with. */
export interface WalMessage {
  /** For a COMMIT, the end of the commit record: the position to confirm once it is applied. */
  readonly lsn: Lsn;
  readonly data: string;
}

export interface WalStreamOptions {
  readonly slotName: string;
  /** START_REPLICATION position; the server never goes back before the slot's confirmed_flush_lsn. */
  readonly startLsn: Lsn;
  /** Output plugin options, e.g. { 'include-xids': '1' }. */
  readonly pluginOptions: Readonly<Record<string, string>>;
  readonly applicationName: string;
  /** SET before START_REPLICATION: the plugin renders values with the walsender session's settings. */
  readonly sessionSettings?: Readonly<Record<string, string>>;
  /** Called for every message, one at a time, in server order; the stream waits for it. */
  readonly onMessage: (message: WalMessage) => Promise<void>;
}

interface Connection {
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): void;
  sendCopyFromChunk(chunk: Buffer): void;
  stream: { pause(): void; resume(): void };
}

const XLOG_DATA = 0x77; // 'w'
const KEEPALIVE = 0x6b; // 'k'
const STATUS_INTERVAL_MS = 1_000;
// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_OFFSET_US = 946_684_800_000_000n;

/**
 * A walsender client, the way DMS reads a slot: START_REPLICATION over a replication connection,
 * so the slot is `active` with this backend's PID while it runs, and confirmed_flush_lsn moves
 * only when `confirm` reports a position as flushed (the engine calls it after the target commit).
 */
export class WalStream {
  private confirmed: Lsn;
  private readonly queue: WalMessage[] = [];
  private draining = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private closing = false;
  readonly done: Promise<void>;

  private constructor(
    private readonly client: pg.Client,
    private readonly options: WalStreamOptions,
    readonly pid: number,
    started: Promise<unknown>,
  ) {
    this.confirmed = options.startLsn;
    this.done = started.then(
      () => this.whenDrained(),
      (error: unknown) => {
        if (this.failure) throw this.failure;
        if (this.closing) return;
        throw error;
      },
    );
    // The caller learns of failures from `done`; an unobserved rejection must not crash the process.
    this.done.catch(() => undefined);
  }

  static async open(config: pg.ClientConfig, options: WalStreamOptions): Promise<WalStream> {
    const client = new pg.Client({
      ...config,
      replication: 'database',
      application_name: options.applicationName,
    } as pg.ClientConfig);
    client.on('error', () => undefined); // surfaced through the START_REPLICATION query instead
    await client.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    // A replication connection speaks only the simple query protocol: no bind parameters.
    for (const [name, value] of Object.entries(options.sessionSettings ?? {})) {
      await client.query(
        `SELECT set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, false)`,
      );
    }
    const pluginOptions = Object.entries(options.pluginOptions)
      .map(([k, v]) => `"${k.replaceAll('"', '')}" '${v.replaceAll("'", "''")}'`)
      .join(', ');
    const sql = `START_REPLICATION SLOT "${options.slotName}" LOGICAL ${formatLsn(options.startLsn)}${
      pluginOptions ? ` (${pluginOptions})` : ''
    }`;
    let stream: WalStream | undefined;
    const connection = (client as unknown as { connection: Connection }).connection;
    connection.on('copyData', ({ chunk }) => stream?.receive(chunk));
    const started = client.query(sql);
    stream = new WalStream(client, options, pid, started);
    // pg-protocol reports the server's CopyBothResponse as 'replicationStart'.
    const replicating = await Promise.race([
      new Promise<boolean>((resolve) =>
        (connection as unknown as NodeJS.EventEmitter).once('replicationStart', () => resolve(true)),
      ),
      started.then(
        () => false,
        (error: unknown) => {
          throw error;
        },
      ),
    ]).catch(async (error: unknown) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    if (!replicating) throw new Error('START_REPLICATION ended before streaming began');
    stream.statusTimer = setInterval(() => stream?.sendStatus(false), STATUS_INTERVAL_MS);
    return stream;
  }

  /** Reports `lsn` as written, flushed and applied: the server may advance confirmed_flush_lsn to it. */
  confirm(lsn: Lsn): void {
    if (lsn > this.confirmed) this.confirmed = lsn;
    this.sendStatus(false);
  }

  /** The replication connection itself (the engine cuts it to simulate a crash). */
  get rawClient(): pg.Client {
    return this.client;
  }

  get confirmedLsn(): Lsn {
    return this.confirmed;
  }

  /** Ends the stream after the message being handled; pending messages are dropped, not confirmed. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.statusTimer);
    this.queue.length = 0;
    await this.client.end().catch(() => undefined);
    await this.done.catch(() => undefined);
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    if (chunk[0] === XLOG_DATA) {
      this.queue.push({ lsn: readLsn(chunk, 1), data: chunk.subarray(25).toString('utf8') });
      void this.drain();
    } else if (chunk[0] === KEEPALIVE && chunk[17] === 1) {
      this.sendStatus(false);
    }
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const connection = (this.client as unknown as { connection: Connection }).connection;
    connection.stream.pause();
    try {
      while (this.queue.length > 0 && !this.closing) {
        const message = this.queue.shift() as WalMessage;
        await this.options.onMessage(message);
      }
    } catch (error) {
      this.failure = error;
      this.closing = true;
      await this.client.end().catch(() => undefined);
    } finally {
      this.draining = false;
      if (!this.closing) connection.stream.resume();
    }
  }

  private async whenDrained(): Promise<void> {
    if (this.failure) throw this.failure;
  }

  private sendStatus(replyRequested: boolean): void {
    if (this.closing) return;
    const status = Buffer.alloc(34);
    status[0] = 0x72; // 'r': standby status update
    const position = this.confirmed;
    status.writeBigUInt64BE(position, 1); // written
    status.writeBigUInt64BE(position, 9); // flushed: what confirmed_flush_lsn follows
    status.writeBigUInt64BE(position, 17); // applied
    status.writeBigUInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_OFFSET_US, 25);
    status[33] = replyRequested ? 1 : 0;
    (this.client as unknown as { connection: Connection }).connection.sendCopyFromChunk(status);
  }
}

function readLsn(chunk: Buffer, offset: number): Lsn {
  return lsnFromBigInt(chunk.readBigUInt64BE(offset));
}
