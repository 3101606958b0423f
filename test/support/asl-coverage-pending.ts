import type { PendingList } from '../../src/local/stepfunctions/coverage-report.js';

export const PENDING_FILE = 'test/support/asl-coverage-pending.ts';

export const PENDING: PendingList = {
  cutover: [],
  recover: [],
  'health-check': [],
};
