import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { historyKey } from '../../core/alerts/history-key.js';
import type {
  AlertState,
  AlertStateRecord,
  AlertStateUpdate,
  HealthHistoryRecord,
  HealthSample,
} from '../../ports/alert-state.js';

/**
 * Local alert-state stores with the same compare-and-set contract as the DynamoDB one.
 *
 * In memory: check and write happen with no `await` between them, so on Node's single thread two
 * transitions from the same version cannot both see it current.
 */
export class MemoryAlertStateStore implements AlertState {
  readonly #records = new Map<string, AlertStateRecord>();
  readonly #histories = new Map<string, HealthHistoryRecord>();

  async get(key: string): Promise<AlertStateRecord | undefined> {
    return this.#records.get(key);
  }

  async transition(key: string, expectedVersion: number | null, next: AlertStateUpdate): Promise<boolean> {
    const written = applyTransition(this.#records.get(key), expectedVersion, next);
    if (written) this.#records.set(key, written);
    return written !== undefined;
  }

  async getHistory(source: string): Promise<HealthHistoryRecord | undefined> {
    return this.#histories.get(source);
  }

  async putHistory(
    source: string,
    expectedVersion: number | null,
    samples: readonly HealthSample[],
  ): Promise<boolean> {
    const written = applyTransition(this.#histories.get(source), expectedVersion, { samples });
    if (written) this.#histories.set(source, written);
    return written !== undefined;
  }
}

/** The record a transition writes, or undefined when the condition fails (the caller lost). */
export function applyTransition<T extends object>(
  current: (T & { readonly version: number }) | undefined,
  expectedVersion: number | null,
  next: T,
): (T & { readonly version: number }) | undefined {
  if (expectedVersion === null) return current === undefined ? { ...next, version: 1 } : undefined;
  return current?.version === expectedVersion ? { ...next, version: expectedVersion + 1 } : undefined;
}

export interface FileAlertStateStoreOptions {
  /** Give up waiting for the lock after this long (another process holds it). */
  readonly lockTimeoutMs?: number;
  /** A lock file older than this was left by a crashed writer and is removed. */
  readonly staleLockMs?: number;
}

/**
 * A JSON file of records, safe across processes (a `dms-cdc health --watch` next to a rehearsal):
 * each transition takes an exclusive lock file (created with O_EXCL), re-reads the file, checks the
 * version, and replaces the file atomically (write to a temporary file, then rename).
 */
export class FileAlertStateStore implements AlertState {
  readonly #lockTimeoutMs: number;
  readonly #staleLockMs: number;

  constructor(
    readonly path: string,
    options: FileAlertStateStoreOptions = {},
  ) {
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 5_000;
    this.#staleLockMs = options.staleLockMs ?? 30_000;
  }

  async get(key: string): Promise<AlertStateRecord | undefined> {
    return (await this.#read())[key] as AlertStateRecord | undefined;
  }

  transition(key: string, expectedVersion: number | null, next: AlertStateUpdate): Promise<boolean> {
    return this.#compareAndSet(key, expectedVersion, next);
  }

  async getHistory(source: string): Promise<HealthHistoryRecord | undefined> {
    return (await this.#read())[historyKey(source)] as HealthHistoryRecord | undefined;
  }

  putHistory(
    source: string,
    expectedVersion: number | null,
    samples: readonly HealthSample[],
  ): Promise<boolean> {
    return this.#compareAndSet(historyKey(source), expectedVersion, { samples });
  }

  async #compareAndSet(key: string, expectedVersion: number | null, next: object): Promise<boolean> {
    await mkdir(dirname(this.path), { recursive: true });
    return this.#locked(async () => {
      const records = await this.#read();
      const written = applyTransition(records[key], expectedVersion, next);
      if (!written) return false;
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ ...records, [key]: written }, null, 2)}\n`);
      await rename(temporary, this.path);
      return true;
    });
  }

  // Alert records and sample histories share the file, each under its own key.
  async #read(): Promise<Record<string, { readonly version: number }>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${this.path} is not an alert-state file (expected a JSON object of records)`);
    }
    return parsed as Record<string, { readonly version: number }>;
  }

  async #locked<T>(work: () => Promise<T>): Promise<T> {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(lock, 'wx');
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (await this.#removeIfStale(lock)) continue;
        if (Date.now() > deadline) throw new Error(`${lock} is held by another writer; gave up waiting`);
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }

  async #removeIfStale(lock: string): Promise<boolean> {
    try {
      const { mtimeMs } = await stat(lock);
      if (Date.now() - mtimeMs < this.#staleLockMs) return false;
      await rm(lock, { force: true });
      return true;
    } catch {
      // Released between open and stat: just try again.
      return true;
    }
  }
}
