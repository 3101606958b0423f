import type { PreflightCheck } from '../context.js';
import { REF } from '../references.js';
import { DDL_TRIGGER } from './role.js';

const ENABLED_LABEL = { O: 'ENABLE (origin only)', D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

const eventTriggerEnableAlways: PreflightCheck = {
  id: 'ddl.event-trigger-enable-always',
  reference: REF.limitations,
  evaluate({ facts }) {
    const trigger = facts.eventTriggers.find((t) => t.name === DDL_TRIGGER);
    if (!trigger || trigger.enabled === 'A') return [];
    return [
      {
        severity: 'warning',
        title: 'The DMS DDL capture trigger does not fire in every session',
        observed: `event trigger ${DDL_TRIGGER} is ${ENABLED_LABEL[trigger.enabled]}: DDL run with session_replication_role = replica (another replication system applying changes) or while disabled is not captured`,
        expected: `${DDL_TRIGGER} ENABLE ALWAYS`,
        remedy: `ALTER EVENT TRIGGER ${DDL_TRIGGER} ENABLE ALWAYS;`,
      },
    ];
  },
};

export const DDL_CHECKS: readonly PreflightCheck[] = [eventTriggerEnableAlways];
