import { describe, expect, it } from 'vitest';
import { planCutover } from '../../../src/core/cutover/plan.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { thrown } from '../../support/thrown.js';

/** The cutover plan, field by field: every payload the ASL passes on unchanged (mutation testing). */
const NOW = new Date('2026-11-21T10:00:00.000Z');
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/target-XyZ';
const CERT = 'arn:aws:dms:eu-west-1:123456789012:cert:RDSCA';
const REP = 'arn:aws:dms:eu-west-1:123456789012:rep:ABCDEF';
const TARGET = 'arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET';
const MAPPINGS = { rules: [{ 'rule-type': 'selection', 'rule-id': '1' }] };

/** The smallest input that plans: continuous replication needs no target connection. */
const minimal = {
  name: 'orders',
  source: { secretArn: SECRET, database: 'orders', sslMode: 'require' },
  slot: { name: 'dms_orders' },
  replicationInstanceArn: REP,
  target: { endpointArn: TARGET },
  tableMappings: MAPPINGS,
  end: { mode: 'continuous' },
};
const verified = { ...minimal, target: { endpointArn: TARGET, secretArn: TARGET_SECRET }, end: {} };

describe('planCutover payloads', () => {
  it('derives every call of a minimal input exactly (no optional keys appear)', () => {
    const plan = planCutover(minimal, NOW);
    const common = {
      identifierPrefix: 'orders',
      sourceName: 'orders',
      slotName: 'dms_orders',
      plugin: 'test-decoding',
      databaseName: 'orders',
    };
    expect(plan.calls).toEqual({
      preflight: {
        sourceSecretArn: SECRET,
        database: 'orders',
        slotName: 'dms_orders',
        createSlot: false,
        plugin: 'test-decoding',
        tableMappings: MAPPINGS,
        replicationInstanceArn: REP,
      },
      ensureSlot: {
        sourceSecretArn: SECRET,
        database: 'orders',
        slotName: 'dms_orders',
        plugin: 'test-decoding',
        allowCreate: false,
        failover: false,
        timeoutSeconds: 30,
      },
      createSourceEndpoint: {
        ...common,
        sslMode: 'require',
        engineName: 'postgres',
        heartbeat: { enabled: true, frequencyMinutes: 5 },
      },
      testConnection: { replicationInstanceArn: REP },
      createCdcTask: {
        ...common,
        sourceSecretArn: SECRET,
        replicationInstanceArn: REP,
        targetEndpointArn: TARGET,
        tableMappings: MAPPINGS,
      },
      quiet: {
        thresholds: {
          maxLagBytes: 16 * 1024 * 1024,
          maxLatencySeconds: 30,
          consecutivePolls: 3,
          pollSeconds: 30,
          catchUpTimeoutSeconds: 3600,
          runningTimeoutSeconds: 1800,
          stopTimeoutSeconds: 86_400,
        },
      },
    });
    expect(plan).toMatchObject({
      source: { secretArn: SECRET, database: 'orders' },
      replicationInstanceArn: REP,
      targetEndpointArn: TARGET,
      tableMappings: MAPPINGS,
      end: { mode: 'continuous', stops: false, stopWaitUntil: null },
      verify: { rowCounts: false },
      target: { secretArn: null, database: null },
    });
  });

  it('carries every optional setting to the step that uses it', () => {
    const plan = planCutover(
      {
        ...minimal,
        name: 'billing',
        source: {
          secretArn: SECRET,
          database: 'billing',
          sslMode: 'verify-ca',
          certificateArn: CERT,
          engine: 'aurora-postgresql',
        },
        slot: {
          name: 'dms_billing',
          plugin: 'pglogical',
          create: true,
          failover: true,
          createTimeoutSeconds: 90,
        },
        target: { endpointArn: TARGET, secretArn: TARGET_SECRET, database: 'billing_copy' },
        taskSettings: { Logging: { EnableLogging: true } },
        heartbeat: { enabled: false },
        cdcStopPosition: 'server_time:2026-11-21T12:30:00',
        end: {},
        tags: { team: 'data' },
      },
      NOW,
    );
    expect(plan.target).toEqual({ secretArn: TARGET_SECRET, database: 'billing_copy' });
    expect(plan.verify).toEqual({ rowCounts: true });
    expect(plan.end).toEqual({
      mode: 'stop-at-position',
      stops: true,
      stopWaitUntil: '2026-11-21T12:30:00Z',
    });
    expect(plan.slot).toEqual({ name: 'dms_billing', plugin: 'pglogical' });
    expect(plan.calls.preflight).toMatchObject({ createSlot: true });
    expect(plan.calls.ensureSlot).toMatchObject({ allowCreate: true, failover: true, timeoutSeconds: 90 });
    expect(plan.calls.createSourceEndpoint).toEqual({
      identifierPrefix: 'billing',
      sourceName: 'billing',
      slotName: 'dms_billing',
      plugin: 'pglogical',
      databaseName: 'billing',
      sslMode: 'verify-ca',
      certificateArn: CERT,
      engineName: 'aurora-postgresql',
      heartbeat: { enabled: false, frequencyMinutes: 5 },
      tags: { team: 'data' },
    });
    expect(plan.calls.createCdcTask).toMatchObject({
      taskSettings: { Logging: { EnableLogging: true } },
      cdcStopPosition: 'server_time:2026-11-21T12:30:00',
      tags: { team: 'data' },
    });
  });

  it('the target database defaults to the source database when a target connection is given', () => {
    expect(planCutover(verified, NOW).target).toEqual({ secretArn: TARGET_SECRET, database: 'orders' });
  });

  it('verifies row counts only when asked and a target connection is given', () => {
    const noVerify = { ...verified, verify: { rowCounts: false }, end: { mode: 'continuous' } };
    expect(planCutover(noVerify, NOW).verify.rowCounts).toBe(false);
    expect(planCutover({ ...minimal, verify: { rowCounts: true } }, NOW).verify.rowCounts).toBe(false);
    expect(planCutover(verified, NOW).verify.rowCounts).toBe(true);
  });

  it('ends by stopping when quiet by default, with no time to wait for', () => {
    expect(planCutover(verified, NOW).end).toEqual({
      mode: 'stop-when-quiet',
      stops: true,
      stopWaitUntil: null,
    });
  });

  it('waits for a commit_time stop position at that UTC time', () => {
    const plan = planCutover({ ...verified, cdcStopPosition: 'commit_time:2026-01-02T03:04:05' }, NOW);
    expect(plan.end.stopWaitUntil).toBe('2026-01-02T03:04:05Z');
  });

  it('starts at the time it is given', () => {
    expect(planCutover(minimal, new Date('2027-01-01T00:00:00.123Z')).startedAt).toBe(
      '2027-01-01T00:00:00.123Z',
    );
  });
});

describe('planCutover refusals', () => {
  it('names the field, the reason and the README section', () => {
    const error = thrown(() => planCutover({ ...minimal, name: '1orders' }, NOW));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      field: 'name',
      message: 'name: must be 1 to 40 letters, digits and hyphens, starting with a letter',
      remedy: 'See "Cutover input" in the README for every field',
    });
  });

  it('refuses a password anywhere in the input, naming its path from the top', () => {
    expect(
      thrown(() => planCutover({ ...minimal, source: { ...minimal.source, password: 'x' } }, NOW)),
    ).toMatchObject({
      field: 'source.password',
      message: 'source.password: a password may not be given in an input',
    });
  });

  it('names a nested field by its dotted path', () => {
    expect(thrown(() => planCutover({ ...minimal, thresholds: { consecutivePolls: 0 } }, NOW))).toMatchObject(
      {
        field: 'thresholds.consecutivePolls',
      },
    );
  });

  it('names the whole input when it is not an object', () => {
    for (const raw of [null, 42, 'orders']) {
      expect(thrown(() => planCutover(raw, NOW))).toMatchObject({ field: 'input' });
    }
  });

  it.each(['verify-full', 'verify-ca'])('asks for the CA certificate for sslMode %s', (sslMode) => {
    const error = thrown(() =>
      planCutover({ ...minimal, source: { secretArn: SECRET, database: 'orders', sslMode } }, NOW),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      field: 'source.certificateArn',
      message: `source.certificateArn: source.sslMode ${sslMode} needs the CA certificate imported into DMS`,
      remedy:
        'Import the RDS CA bundle with DMS ImportCertificate and pass its ARN, or set source.sslMode to "require"',
    });
  });

  it.each(['verify-full', 'verify-ca'])('accepts sslMode %s with a certificate', (sslMode) => {
    const plan = planCutover(
      { ...minimal, source: { secretArn: SECRET, database: 'orders', sslMode, certificateArn: CERT } },
      NOW,
    );
    expect(plan.calls.createSourceEndpoint).toMatchObject({ sslMode, certificateArn: CERT });
  });

  it.each(['require', 'none'])('needs no certificate for sslMode %s', (sslMode) => {
    const plan = planCutover({ ...minimal, source: { secretArn: SECRET, database: 'orders', sslMode } }, NOW);
    expect(plan.calls.createSourceEndpoint).not.toHaveProperty('certificateArn');
  });

  it('refuses stop-at-position without a stop position, with the exact reason', () => {
    expect(thrown(() => planCutover({ ...verified, end: { mode: 'stop-at-position' } }, NOW))).toMatchObject({
      field: 'end.mode',
      message: 'end.mode: stop-at-position needs cdcStopPosition',
      remedy:
        'Give cdcStopPosition (server_time:... or commit_time:...), or choose end.mode stop-when-quiet or continuous',
    });
  });

  it.each(['stop-when-quiet', 'continuous'])('refuses a stop position with end.mode %s', (mode) => {
    const error = thrown(() =>
      planCutover({ ...verified, cdcStopPosition: 'commit_time:2026-01-02T03:04:05', end: { mode } }, NOW),
    );
    expect(error).toMatchObject({
      field: 'cdcStopPosition',
      message: `cdcStopPosition: a stop position makes the task stop by itself, which end.mode ${mode} does not wait for`,
      remedy: 'Remove cdcStopPosition, or set end.mode to stop-at-position',
    });
  });

  it('refuses a stopping end without a target connection to verify', () => {
    expect(thrown(() => planCutover({ ...minimal, end: {} }, NOW))).toMatchObject({
      field: 'target.secretArn',
      message:
        'target.secretArn: end.mode stop-when-quiet stops the task, and a stopped cutover succeeds only after the target is verified strictly',
      remedy:
        'Give target.secretArn (and target.database) for the verification, or choose end.mode continuous',
    });
  });

  it('refuses a stopping end with verification switched off', () => {
    expect(
      thrown(() =>
        planCutover(
          { ...verified, cdcStopPosition: 'server_time:2026-01-02T03:04:05', verify: { rowCounts: false } },
          NOW,
        ),
      ),
    ).toMatchObject({
      field: 'verify.rowCounts',
      message:
        'verify.rowCounts: end.mode stop-at-position stops the task, and a stopped cutover succeeds only after the target is verified strictly',
      remedy: 'Leave verify.rowCounts on, or choose end.mode continuous',
    });
  });
});
