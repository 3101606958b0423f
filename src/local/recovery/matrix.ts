import { createStandby, type PgNode, startPrimary } from '../postgres/index.js';
import type { ScenarioServers } from './rig.js';
import { SCENARIOS, type ScenarioResult } from './scenarios.js';

/** One line of the fault matrix as `npm run -s bench:recovery -- --json` prints it. */
export interface MatrixRow {
  readonly scenario: string;
  readonly decision: string | null;
  readonly faultToActionMs: number | null;
  readonly rowsLost: number;
  readonly dataPreservingPathExists: boolean;
}

export const SCENARIO_IDS: readonly string[] = SCENARIOS.map((s) => s.id);

/**
 * Runs the recovery fault matrix (or the scenarios named), each on its own fresh servers, removed as soon
 * as the scenario ends: the matrix never holds more than three servers at once.
 */
export async function runRecoveryMatrix(
  options: { readonly ids?: readonly string[]; readonly onProgress?: (text: string) => void } = {},
): Promise<ScenarioResult[]> {
  const wanted = options.ids ?? SCENARIO_IDS;
  const unknown = wanted.filter((id) => !SCENARIO_IDS.includes(id));
  if (unknown.length > 0)
    throw new Error(`unknown scenario ${unknown.join(', ')} (known: ${SCENARIO_IDS.join(', ')})`);
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.id))) {
    const servers = trackedServers();
    options.onProgress?.(`scenario ${scenario.id}...`);
    try {
      const result = await scenario.run({ servers });
      options.onProgress?.(
        `scenario ${scenario.id}: ${result.title}: ${result.decision} (${result.status}), ` +
          `fault to action ${result.faultToActionMs ?? '-'} ms, rows lost ${result.rowsLost}`,
      );
      results.push(result);
    } finally {
      await servers.removeAll();
    }
  }
  return results;
}

/** Servers a scenario starts, remembered so that they can all be removed at once, standbys first. */
export function trackedServers(): ScenarioServers & { removeAll(): Promise<void> } {
  const started: PgNode[] = [];
  return {
    async primary(options) {
      const node = await startPrimary(options);
      started.push(node);
      return node;
    },
    async standby(primary, options) {
      const node = await createStandby(primary, options);
      started.push(node);
      return node;
    },
    async removeAll() {
      await Promise.allSettled(started.reverse().map((node) => node.destroy()));
      started.length = 0;
    },
  };
}

export function matrixRow(result: ScenarioResult): MatrixRow {
  return {
    scenario: `${result.scenario}: ${result.title}`,
    decision: result.decision,
    faultToActionMs: result.faultToActionMs,
    rowsLost: result.rowsLost,
    dataPreservingPathExists: result.dataPreservingPathExists,
  };
}

/** The matrix as text rows (header first), for a table printer. */
export function matrixTableRows(results: readonly ScenarioResult[]): { headers: string[]; rows: string[][] } {
  return {
    headers: [
      'scenario',
      'decision',
      'machine',
      'fault->action',
      'rows lost',
      'extra',
      'preserving path',
      'then',
    ],
    rows: results.map((r) => [
      `${r.scenario.padEnd(2)}  ${r.title}`,
      r.decision ?? '-',
      r.status === 'SUCCEEDED' ? 'SUCCEEDED' : `${r.status} ${r.error ?? ''}`.trim(),
      r.faultToActionMs === null ? '-' : `${r.faultToActionMs} ms`,
      String(r.rowsLost),
      String(r.rowsExtra),
      r.dataPreservingPathExists ? 'yes' : 'no',
      r.decisions.length > 1
        ? r.decisions.filter((d, i, all) => i === 0 || all[i - 1] !== d).join(' > ')
        : '',
    ]),
  };
}
