import type { Clock } from '../../ports/clock.js';
import type { Dms } from '../../ports/dms.js';
import { ConnectionTestTimeoutError } from './errors.js';
import { type PollOptions, waitForConnectionTest } from './waits.js';

/*
 * Waiting: both, each for what it is good at. A connection test usually settles within seconds, so
 * the step starts it and polls it inside the invocation for a short slice (never past the Lambda
 * deadline): the common case is one call. A test whose packets are dropped can stay `testing` for
 * minutes; sleeping in a Lambda bills that time and caps it at 15 minutes, while a Step Functions Wait
 * state costs nothing. So when the slice ends still `testing`, the step returns `done: false` and the
 * state machine waits and invokes it again with that output as its input. `startedAt` in that output
 * makes the next invocation continue the same test instead of starting another, and gives the whole
 * test one deadline (`timeoutSeconds`): past it ConnectionTestTimeoutError. A failed test throws
 * ConnectionTestFailedError with DMS's message.
 */

export interface ConnectionTestRequest {
  readonly replicationInstanceArn: string;
  readonly endpointArn: string;
  readonly timeoutSeconds: number;
  /** Set by an earlier invocation (its output): continue that test. */
  readonly startedAt?: string;
}

export interface ConnectionTestProgress {
  readonly replicationInstanceArn: string;
  readonly endpointArn: string;
  readonly status: 'successful' | 'testing';
  /** true once DMS reports `successful`; false: wait, then invoke again with this object. */
  readonly done: boolean;
  readonly startedAt: string;
  readonly timeoutSeconds: number;
}

export async function followConnectionTest(
  deps: { readonly dms: Dms; readonly clock: Clock },
  request: ConnectionTestRequest,
  /** This invocation's share of the wait, asked once the test is started (what is left of the Lambda's time). */
  slice: () => PollOptions,
  started: (startedNow: boolean, startedAt: string) => void,
): Promise<ConnectionTestProgress> {
  const { dms, clock } = deps;
  const { replicationInstanceArn, endpointArn, timeoutSeconds } = request;
  const existing = await dms.describeConnectionTest(replicationInstanceArn, endpointArn);
  // A first call joins a test already running for this pair (DMS refuses a second one) and otherwise
  // starts a fresh one, whatever an older test said; a later call restarts only a test that vanished.
  const start = request.startedAt === undefined ? existing?.status !== 'testing' : existing === undefined;
  if (start) await dms.testConnection(replicationInstanceArn, endpointArn);
  const startedAt = request.startedAt ?? new Date(clock.now()).toISOString();
  started(start, startedAt);
  const progress = (status: 'successful' | 'testing') => ({
    replicationInstanceArn,
    endpointArn,
    status,
    done: status === 'successful',
    startedAt,
    timeoutSeconds,
  });
  try {
    await waitForConnectionTest(dms, clock, replicationInstanceArn, endpointArn, slice());
    return progress('successful');
  } catch (error) {
    if (!(error instanceof ConnectionTestTimeoutError)) throw error;
    const elapsedMs = clock.now() - Date.parse(startedAt);
    if (elapsedMs >= timeoutSeconds * 1000) {
      throw new ConnectionTestTimeoutError(endpointArn, error.lastStatus, elapsedMs);
    }
    return progress('testing');
  }
}
