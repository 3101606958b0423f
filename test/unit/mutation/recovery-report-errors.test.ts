import { describe, expect, it } from 'vitest';
import { type Lsn, parseLsn } from '../../../src/core/lsn.js';
import {
  SlotHolderTerminationRefusedError,
  TerminationNotAllowedError,
} from '../../../src/core/recovery/errors.js';
import { formatRange, toDecisionReport } from '../../../src/core/recovery/report.js';

/** The decision as JSON and the recovery errors, exactly (mutation testing). */
const lsn = (text: string): Lsn => parseLsn(text);

describe('toDecisionReport', () => {
  it('prints the known LSNs and leaves out the unknown ones', () => {
    expect(
      toDecisionReport({
        kind: 'RESUME',
        reason: 'ok',
        lsns: { checkpoint: lsn('4af/b00000d0'), confirmedFlush: undefined, server: lsn('0/0') },
      }),
    ).toEqual({
      kind: 'RESUME',
      reason: 'ok',
      lsns: { checkpoint: '4AF/B00000D0', server: '0/0' },
      atRisk: null,
      holder: null,
    });
  });

  it('prints a range at risk with an unknown end as null, and carries the holder', () => {
    const holder = { pid: 42, application: null, terminate: true };
    expect(
      toDecisionReport({
        kind: 'DATA_GAP',
        reason: 'gone',
        lsns: {},
        atRisk: { from: lsn('1/0'), to: null },
        holder,
      }),
    ).toMatchObject({ atRisk: { from: '1/0', to: null }, holder });
    expect(
      toDecisionReport({ kind: 'DATA_GAP', reason: 'gone', lsns: {}, atRisk: { from: null, to: lsn('2/0') } })
        .atRisk,
    ).toEqual({ from: null, to: '2/0' });
  });
});

describe('formatRange', () => {
  it('reads "from .. to", saying unknown for a missing end', () => {
    expect(formatRange({ from: '1/0', to: '2/0' })).toBe('1/0 .. 2/0');
    expect(formatRange({ from: null, to: '2/0' })).toBe('unknown .. 2/0');
    expect(formatRange({ from: '1/0', to: null })).toBe('1/0 .. unknown');
    expect(formatRange(null)).toBeNull();
  });
});

describe('recovery errors', () => {
  it('TerminationNotAllowedError names the PID, the slot and the policy to set', () => {
    const error = new TerminationNotAllowedError('dms_slot', 4242);
    expect(error).toMatchObject({
      name: 'TerminationNotAllowedError',
      slotName: 'dms_slot',
      pid: 4242,
      message:
        'terminating PID 4242, which holds replication slot "dms_slot", is not allowed by the recover input\'s policy',
      remedy:
        'Set policy.terminateStaleBackend to true in the recover input to let the machine end a stale walsender, ' +
        'or end it yourself after checking it is stale: SELECT pg_terminate_backend(4242)',
    });
  });

  it('SlotHolderTerminationRefusedError names the PID, the slot, the detail and the grant', () => {
    const error = new SlotHolderTerminationRefusedError('dms_slot', 7, 'permission denied');
    expect(error).toMatchObject({
      name: 'SlotHolderTerminationRefusedError',
      slotName: 'dms_slot',
      pid: 7,
      message:
        'the source refused to terminate PID 7, which holds replication slot "dms_slot": permission denied',
      remedy:
        'Grant the role in the source secret pg_signal_backend (GRANT pg_signal_backend TO <role>; on RDS the ' +
        'master user has it through rds_superuser), or end the backend as an administrator',
    });
  });
});
