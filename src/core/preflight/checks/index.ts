import type { PreflightCheck } from '../context.js';
import { DDL_CHECKS } from './ddl.js';
import { KINESIS_CHECKS } from './kinesis.js';
import { PLUGIN_CHECKS } from './plugin.js';
import { ROLE_CHECKS } from './role.js';
import { SERVER_CHECKS } from './server.js';
import { SLOT_CHECKS } from './slot.js';
import { TABLE_KEY_CHECKS } from './tables-keys.js';
import { TABLE_TYPE_CHECKS } from './tables-types.js';
import { TARGET_CHECKS } from './target.js';
import { WORKLOAD_CHECKS } from './workload.js';

/** Every check, in report order. Ids are stable: scripts and state machines match on them. */
export const ALL_CHECKS: readonly PreflightCheck[] = [
  ...SERVER_CHECKS,
  ...PLUGIN_CHECKS,
  ...ROLE_CHECKS,
  ...DDL_CHECKS,
  ...TABLE_KEY_CHECKS,
  ...TABLE_TYPE_CHECKS,
  ...WORKLOAD_CHECKS,
  ...SLOT_CHECKS,
  ...TARGET_CHECKS,
  ...KINESIS_CHECKS,
];
