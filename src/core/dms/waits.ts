import type { Clock } from '../../ports/clock.js';
import type { ConnectionStatus, ConnectionTest, Dms } from '../../ports/dms.js';
import { InvalidInputError } from '../errors.js';
import { ConnectionTestFailedError, ConnectionTestTimeoutError } from './errors.js';

/** How long to wait and how often to ask. A poll never sleeps past the deadline. */
export interface PollOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/**
 * Polls a connection test started with `dms.testConnection` until DMS says `successful`.
 * `failed` (or the connection being deleted under us) throws ConnectionTestFailedError with DMS's message.
 */
export async function waitForConnectionTest(
  dms: Dms,
  clock: Clock,
  replicationInstanceArn: string,
  endpointArn: string,
  options: PollOptions,
): Promise<ConnectionTest> {
  checkPollOptions(options);
  const deadline = clock.now() + options.timeoutMs;
  let last: ConnectionStatus | undefined;
  for (;;) {
    const test = await dms.describeConnectionTest(replicationInstanceArn, endpointArn);
    last = test?.status ?? last;
    if (test?.status === 'successful') return test;
    if (test?.status === 'failed' || test?.status === 'deleting') {
      const message =
        test.lastFailureMessage ??
        (test.status === 'deleting' ? 'the connection is being deleted' : undefined);
      throw new ConnectionTestFailedError(replicationInstanceArn, endpointArn, message);
    }
    if (!(await pollAgain(clock, deadline, options.pollMs))) {
      throw new ConnectionTestTimeoutError(endpointArn, last, options.timeoutMs);
    }
  }
}

/** Sleeps until the next poll; false once the deadline has passed, so the caller gives up. */
async function pollAgain(clock: Clock, deadline: number, pollMs: number): Promise<boolean> {
  const left = deadline - clock.now();
  if (left <= 0) return false;
  await clock.sleep(Math.min(pollMs, left));
  return true;
}

function checkPollOptions(options: PollOptions): void {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 0) {
    throw new InvalidInputError('timeoutMs', `${options.timeoutMs} is not a duration in milliseconds`);
  }
  // A zero interval would hammer the DMS API (and spin forever on a clock that does not advance).
  if (!Number.isFinite(options.pollMs) || options.pollMs <= 0) {
    throw new InvalidInputError('pollMs', `${options.pollMs} must be a positive number of milliseconds`);
  }
}
