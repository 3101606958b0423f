import type { PendingList } from '../../src/local/stepfunctions/coverage-report.js';

export const PENDING_FILE = 'test/support/asl-coverage-pending.ts';

/**
 * State-machine paths no test takes yet, reviewed. `npm test` fails when a path is not taken and not
 * listed here, and when a listed path is taken (delete its line) or is no longer in the machine: this
 * list only shrinks, to empty. Keys as `npm run coverage:asl` prints them: a state name,
 * `State.Choices[i]`, `State.Default`, `State.Catch[i]`.
 */
export const PENDING: PendingList = {
  cutover: [],
  recover: [],
  'health-check': [],
};
