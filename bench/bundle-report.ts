/**
 * The report of npm run bench:bundle: one row per function (bundle size, init time, peak RSS, each
 * beside its goal) and a line per function with its source map and what its one handler run returned.
 */
import os from 'node:os';
import { childNodeUsed, type ServerlessYml } from './bundle-harness.js';

export const INIT_RUNS = 5;
const GOALS = { bytes: 1024 * 1024, initMs: 150, peakMb: 128 };

export interface Row {
  name: string;
  bytes: number;
  mapBytes: number;
  init: number[];
  initNoMaps: number[];
  peakKb: number | undefined;
  /** The error the one handler run ended in (moto's limits), shown next to the peak. */
  ended: string | undefined;
  note: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarise(result: unknown): string {
  const typed = result as
    | { slot?: { slotName?: string; lagBytes?: number }; decision?: { kind?: string } }
    | undefined;
  const slot = typed?.slot;
  if (typed?.decision?.kind) return `decided ${typed.decision.kind}, read ${slot?.slotName ?? 'no slot'}`;
  return slot?.slotName
    ? `read ${slot.slotName}, lag ${slot.lagBytes} B`
    : String(JSON.stringify(result)).slice(0, 100);
}

export function print(rows: Row[], config: ServerlessYml): void {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'OVER');
  const nodeOptions = config.provider.environment?.NODE_OPTIONS ?? '(none)';
  console.log(
    `\nbench:bundle  bundles run on node ${childNodeUsed().version} ${process.arch} (${childNodeUsed().path}; the bench itself on ` +
      `${process.version}), ${os.cpus().length} CPUs, runtime ${config.provider.runtime}`,
  );
  console.log(
    `init = import() of the bundle in a fresh node, median of ${INIT_RUNS}, NODE_OPTIONS=${nodeOptions}`,
  );
  console.log(
    'peak = maxRSS after one run of the bundled handler: source/target on embedded PostgreSQL 17, Secrets ' +
      'Manager faked, AWS APIs answered by moto_server (a stand-in for the calls, no proof of DMS behaviour)\n',
  );
  const header = [
    'function',
    'bundle',
    'goal <= 1 MB',
    'init',
    'goal <= 150 ms',
    'peak RSS',
    'goal <= 128 MB',
  ];
  const lines = rows.map((row) => {
    const initMs = median(row.init);
    const peakMb = row.peakKb === undefined ? undefined : row.peakKb / 1024;
    return [
      row.name,
      `${row.bytes.toLocaleString('en')} B (${(row.bytes / 1024).toFixed(1)} KB)`,
      mark(row.bytes <= GOALS.bytes),
      `${initMs.toFixed(1)} ms (${Math.min(...row.init).toFixed(1)}-${Math.max(...row.init).toFixed(1)})`,
      mark(initMs <= GOALS.initMs),
      peakMb === undefined
        ? `n/a (${row.note})`
        : `${peakMb.toFixed(1)} MB${row.ended ? ` (${row.ended})` : ''}`,
      peakMb === undefined ? '' : mark(peakMb <= GOALS.peakMb),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  console.log('');
  for (const row of rows) {
    console.log(
      `${row.name}: source map ${(row.mapBytes / 1024).toFixed(1)} KB (not loaded at init unless NODE_OPTIONS has ` +
        `--enable-source-maps); init without source maps ${median(row.initNoMaps).toFixed(1)} ms; ${row.note}`,
    );
  }
}
