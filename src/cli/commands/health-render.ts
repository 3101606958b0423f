import type { Observation } from '../../core/alerts/evaluate.js';
import type { SourceMeasurement } from '../../core/health/measurement.js';
import type { HealthReport } from '../../core/health/report.js';
import { formatDuration, formatSize } from '../../core/health/sizes.js';
import { table } from '../output.js';

/** `dms-cdc health` as text: the slot table, WAL on disk, max_slot_wal_keep_size and the WAL rate, the state. */
export function render(
  report: HealthReport,
  measurement: SourceMeasurement,
  observations: readonly Observation[],
): string {
  const inactive = new Map(
    measurement.slots.map((s) => [
      s.reading.slot.slotName,
      (s.reading.slot.active ? '-' : s.inactiveSeconds === null ? 'yes' : formatDuration(s.inactiveSeconds)) +
        // PostgreSQL 18: idle_replication_slot_timeout invalidates the slot once this runs out.
        (typeof s.idleTimeoutLeftSeconds === 'number'
          ? ` (invalidated in ${formatDuration(s.idleTimeoutLeftSeconds)})`
          : ''),
    ]),
  );
  const rows = report.slots.map((slot) => [
    slot.slot,
    slot.active ? 'yes' : 'no',
    `${slot.walStatus ?? '-'}${slot.invalidationReason ? ` (${slot.invalidationReason})` : ''}`,
    slot.lagBytes === null ? '-' : formatSize(slot.lagBytes),
    slot.retainedBytes === null ? '-' : formatSize(slot.retainedBytes),
    safeWalCell(slot, report),
    inactive.get(slot.slot) ?? '-',
    slot.state,
    slot.breaches.map((b) => b.message).join('; ') || '-',
  ]);
  const lines = [
    `source ${report.source} (PostgreSQL ${Math.floor(measurement.serverVersion / 10_000)}${measurement.inRecovery ? ', standby' : ''})`,
    '',
    rows.length === 0
      ? 'no replication slots selected'
      : table(
          [
            'slot',
            'active',
            'wal_status',
            'lag',
            'retained WAL',
            'safe WAL',
            'inactive',
            'state',
            'breaches',
          ],
          rows,
        ),
    '',
    walLine(measurement),
    limitLine(report),
  ];
  const sourceBreaches = observations.filter((o) => o.slot === undefined && o.level !== 'OK');
  for (const breach of sourceBreaches) lines.push(`${breach.level}: ${breach.summary}`);
  for (const problem of measurement.problems) lines.push(`note: ${problem}`);
  lines.push(`state: ${report.state}`);
  return lines.join('\n');
}

function safeWalCell(slot: HealthReport['slots'][number], report: HealthReport): string {
  if (slot.safeWalBytes === null) return typeof report.maxSlotWalKeepSize === 'number' ? '-' : 'n/a';
  const goneIn = slot.safeWalGoneInSeconds;
  return `${formatSize(slot.safeWalBytes)}${goneIn === undefined ? '' : ` (gone in ${formatDuration(goneIn)})`}`;
}

function limitLine(report: HealthReport): string {
  const limit = report.maxSlotWalKeepSize;
  const rate =
    report.walRateBytesPerSecond === null
      ? ''
      : `; WAL written at ${formatSize(report.walRateBytesPerSecond)}/s`;
  if (limit === 'unlimited') {
    return `max_slot_wal_keep_size: unlimited (-1): slots keep WAL without bound, safe WAL does not apply${rate}`;
  }
  if (limit === 'not available') return `max_slot_wal_keep_size: not available before PostgreSQL 13${rate}`;
  return `max_slot_wal_keep_size: ${formatSize(limit)}${rate}`;
}

function walLine(measurement: SourceMeasurement): string {
  const wal = measurement.wal;
  if (!wal || wal.bytes === null) return 'WAL on disk: not measured';
  const share = wal.percent === null ? '' : `, ${wal.percent}% of ${formatSize(wal.capacityBytes ?? 0)}`;
  return `WAL on disk: ${formatSize(wal.bytes)}${wal.files === null ? '' : ` in ${wal.files} files`}${share}`;
}
