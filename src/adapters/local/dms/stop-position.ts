import { InvalidInputError } from '../../../core/errors.js';
import { stopReasonText } from '../../../core/stop-reason.js';

/** A CdcStopPosition, evaluated against each transaction's commit time or the engine's clock. */
export interface StopPosition {
  /** The StopReason when the transaction committed at `commitTime` must not be applied, else undefined. */
  reached(commitTime: string | undefined): string | undefined;
  /** The StopReason once the clock alone says stop (server_time), checked even when no change arrives. */
  reachedByClock(): string | undefined;
}

const STOP_POSITION = /^(server_time|commit_time):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})$/;

/** `server_time:2026-11-21T10:00:00` or `commit_time:...` (UTC, as DMS reads them). */
export function parseStopPosition(
  text: string | undefined,
  now: () => number = Date.now,
): StopPosition | undefined {
  if (text === undefined) return undefined;
  const match = STOP_POSITION.exec(text);
  if (!match) {
    throw new InvalidInputError(
      'cdcStopPosition',
      `${JSON.stringify(text)} is not server_time:YYYY-MM-DDTHH:MM:SS or commit_time:YYYY-MM-DDTHH:MM:SS`,
    );
  }
  const at = Date.parse(`${match[2]}Z`);
  if (match[1] === 'commit_time') {
    return {
      reached: (commitTime) =>
        commitTime !== undefined && Date.parse(commitTime.replace(' ', 'T').replace(/\+00$/, 'Z')) > at
          ? stopReasonText('STOPPED_AT_COMMIT_TIME')
          : undefined,
      reachedByClock: () => undefined,
    };
  }
  const byClock = () => (now() >= at ? stopReasonText('STOPPED_AT_SERVER_TIME') : undefined);
  return { reached: byClock, reachedByClock: byClock };
}
