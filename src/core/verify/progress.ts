import { formatDuration as formatDurationIn } from '../health/sizes.js';

/** A progress line for a long comparison: tables done, rows compared, rate and time left. */
export interface ProgressState {
  readonly tablesDone: number;
  readonly tables: number;
  readonly rowsCompared: number;
  /** The rows expected in all (the catalog's estimate), 0 when unknown. */
  readonly rowsEstimated: number;
  readonly elapsedSeconds: number;
}

export function progressLine(state: ProgressState): string {
  const rate = state.elapsedSeconds > 0 ? state.rowsCompared / state.elapsedSeconds : 0;
  const left =
    rate > 0 && state.rowsEstimated > state.rowsCompared
      ? `, about ${formatDuration((state.rowsEstimated - state.rowsCompared) / rate)} left`
      : '';
  return `verify: ${state.tablesDone}/${state.tables} tables, ${state.rowsCompared.toLocaleString('en-US')} rows compared, ${Math.round(rate).toLocaleString('en-US')} rows/s${left}`;
}

/** The compact style of the one duration formatter (`2m05s`, `1h02m`), what progress lines print. */
export function formatDuration(seconds: number): string {
  return formatDurationIn(seconds, 'compact');
}
