import { parseHealthConfig, type ResolvedSource, resolveSource } from '../../../src/core/health/config.js';
import type { SlotHealth, SourceMeasurement } from '../../../src/core/health/measurement.js';
import { lsnFromBigInt } from '../../../src/core/lsn.js';
import { measureSlot, type SlotState } from '../../../src/core/slot.js';

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const SERVER_LSN = 0x4af_b000_00d0n;

export function source(
  extra: Record<string, unknown> = {},
  defaults?: Record<string, unknown>,
): ResolvedSource {
  const config = parseHealthConfig({
    ...(defaults ? { defaults } : {}),
    sources: [{ name: 'orders-db', url: 'postgres://dms@127.0.0.1:5432/orders', ...extra }],
  });
  return resolveSource(config.sources[0] as never, config.defaults);
}

/** A slot `retained` bytes behind the server, confirmed `lag` bytes behind. */
export function slot(
  options: {
    name?: string;
    retained?: number;
    lag?: number;
    active?: boolean;
    walStatus?: SlotState['walStatus'];
    inactiveSeconds?: number | null;
    xminAge?: number | null;
    invalidationReason?: string | null;
    slotType?: 'logical' | 'physical';
  } = {},
): SlotHealth {
  const retained = BigInt(options.retained ?? 1 * MiB);
  const lag = BigInt(options.lag ?? Number(retained) - 56);
  const active = options.active ?? true;
  const state: SlotState = {
    slotName: options.name ?? 'dms_slot',
    slotType: options.slotType ?? 'logical',
    plugin: 'test_decoding',
    database: 'orders',
    temporary: false,
    active,
    activePid: active ? 4242 : null,
    activeApplication: active ? 'dms' : null,
    restartLsn: lsnFromBigInt(SERVER_LSN - retained),
    confirmedFlushLsn: lsnFromBigInt(SERVER_LSN - lag),
    walStatus: options.walStatus ?? 'reserved',
    safeWalSizeBytes: null,
    twoPhase: false,
    failover: false,
    synced: false,
    inactiveSince: active ? null : new Date(T0 - (options.inactiveSeconds ?? 0) * 1000).toISOString(),
  };
  return {
    reading: measureSlot(state, lsnFromBigInt(SERVER_LSN), false),
    xminAge: options.xminAge === undefined ? 1234 : options.xminAge,
    inactiveSeconds: active ? null : (options.inactiveSeconds ?? null),
    invalidationReason: options.invalidationReason ?? null,
  };
}

export function measurement(extra: Partial<SourceMeasurement> = {}): SourceMeasurement {
  return {
    source: 'orders-db',
    measuredAt: T0,
    serverVersion: 170_010,
    inRecovery: false,
    slots: [slot()],
    missingSlots: [],
    wal: {
      via: 'pg_ls_waldir',
      bytes: 64 * MiB,
      files: 4,
      capacityBytes: null,
      percent: null,
      freeStorageBytes: null,
      replicationSlotDiskBytes: null,
    },
    dms: [],
    problems: [],
    ...extra,
  };
}
