import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyTransition,
  FileAlertStateStore,
  MemoryAlertStateStore,
} from '../../../src/adapters/local/alert-state-store.js';
import type { AlertState, AlertStateUpdate } from '../../../src/ports/alert-state.js';

const KEY = 'orders-db#dms_slot#retainedWalBytes';
const WARNING: AlertStateUpdate = { state: 'WARNING', since: 1_000, lastNotifiedAt: 1_000, lastValue: 6e9 };
const CRITICAL: AlertStateUpdate = {
  state: 'CRITICAL',
  since: 2_000,
  lastNotifiedAt: 2_000,
  lastValue: 2.2e10,
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alert-state-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stores: Array<[string, () => AlertState[]]> = [
  // Two handles on one store: two health-check runs in one process.
  ['in memory', () => Array(2).fill(new MemoryAlertStateStore())],
  // Two stores on one file: two processes sharing local state.
  [
    'file-backed',
    () => {
      const path = join(dir, 'nested', 'alert-state.json');
      return [new FileAlertStateStore(path), new FileAlertStateStore(path)];
    },
  ],
];

describe.each(stores)('%s alert-state store', (_kind, make) => {
  it('creates a record once: the second create from "no record" loses', async () => {
    const [a, b] = make() as [AlertState, AlertState];
    expect(await a.get(KEY)).toBeUndefined();
    expect(await a.transition(KEY, null, WARNING)).toBe(true);
    expect(await b.transition(KEY, null, CRITICAL)).toBe(false);
    expect(await b.get(KEY)).toEqual({ ...WARNING, version: 1 });
  });

  it('lets exactly one of two concurrent transitions from the same version win', async () => {
    const [a, b] = make() as [AlertState, AlertState];
    await a.transition(KEY, null, WARNING);
    const outcomes = await Promise.all([a.transition(KEY, 1, CRITICAL), b.transition(KEY, 1, CRITICAL)]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await a.get(KEY)).toEqual({ ...CRITICAL, version: 2 });
  });

  it('lets exactly one of many racing writers through, whatever the interleaving', async () => {
    const handles = make();
    await handles[0]?.transition(KEY, null, WARNING);
    const racers = Array.from({ length: 16 }, (_, i) =>
      handles[i % handles.length]?.transition(KEY, 1, { ...CRITICAL, lastValue: i }),
    );
    const outcomes = await Promise.all(racers);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const winner = outcomes.indexOf(true);
    expect(await handles[1]?.get(KEY)).toEqual({ ...CRITICAL, lastValue: winner, version: 2 });
  });

  it('refuses a stale version and a version that does not exist yet', async () => {
    const [a] = make() as [AlertState];
    expect(await a.transition(KEY, 1, WARNING)).toBe(false);
    await a.transition(KEY, null, WARNING);
    await a.transition(KEY, 1, CRITICAL);
    expect(await a.transition(KEY, 1, WARNING)).toBe(false);
    expect(await a.get(KEY)).toMatchObject({ state: 'CRITICAL', version: 2 });
  });

  it('keeps keys independent', async () => {
    const [a] = make() as [AlertState];
    await a.transition(KEY, null, WARNING);
    expect(await a.transition('orders-db#other_slot#lagBytes', null, CRITICAL)).toBe(true);
    expect(await a.get(KEY)).toMatchObject({ state: 'WARNING', version: 1 });
  });
});

describe('FileAlertStateStore on disk', () => {
  it('persists records for the next process as readable JSON', async () => {
    const path = join(dir, 'alert-state.json');
    await new FileAlertStateStore(path).transition(KEY, null, WARNING);
    expect(await new FileAlertStateStore(path).get(KEY)).toEqual({ ...WARNING, version: 1 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ [KEY]: { ...WARNING, version: 1 } });
  });

  it('waits for a held lock and gives up with a clear error', async () => {
    const path = join(dir, 'alert-state.json');
    await writeFile(`${path}.lock`, '');
    const store = new FileAlertStateStore(path, { lockTimeoutMs: 50 });
    await expect(store.transition(KEY, null, WARNING)).rejects.toThrow(/held by another writer/);
    expect(await store.get(KEY)).toBeUndefined();
  });

  it('removes a lock left by a crashed writer', async () => {
    const path = join(dir, 'alert-state.json');
    await writeFile(`${path}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, old, old);
    expect(await new FileAlertStateStore(path, { lockTimeoutMs: 50 }).transition(KEY, null, WARNING)).toBe(
      true,
    );
  });

  it('refuses a file that is not a JSON object of records', async () => {
    const path = join(dir, 'alert-state.json');
    await writeFile(path, '[1, 2]');
    await expect(new FileAlertStateStore(path).get(KEY)).rejects.toThrow(/not an alert-state file/);
  });
});

describe('applyTransition (the condition DynamoDB will evaluate)', () => {
  it.each([
    ['create when absent', undefined, null, 1],
    ['create when present', { ...WARNING, version: 3 }, null, undefined],
    ['update at the expected version', { ...WARNING, version: 3 }, 3, 4],
    ['update at another version', { ...WARNING, version: 4 }, 3, undefined],
    ['update when absent', undefined, 3, undefined],
  ] as const)('%s', (_name, current, expected, version) => {
    expect(applyTransition(current, expected, CRITICAL)?.version).toBe(version);
  });
});
