import { describe, expect, it } from 'vitest';
import {
  approvalCommands,
  buildCutoverNotification,
  CUTOVER_STAGES,
  failedStage,
  NOTIFICATION_KINDS,
  type NotificationKind,
  parseFailure,
} from '../../../src/core/cutover/notifications.js';
import { parseAlertMessage, toSnsPublishFields, validateAlertMessage } from '../../../src/ports/alerts.js';

// biome-ignore lint/suspicious/noExplicitAny: test states are partial execution states, built and changed by path
type State = Record<string, any>;

const NOW = new Date('2026-03-01T10:42:30.000Z');
const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:TASK1';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAcNUbyGhYiN0ZXN0LXRva2Vu+/=';

const PLAN = {
  identifierPrefix: 'orders',
  sourceName: 'orders',
  source: {
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/source-AbCdEf',
    database: 'shop',
  },
  target: { secretArn: null, database: null },
  slot: { name: 'dms_slot', plugin: 'test-decoding' },
  replicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:RI1',
  targetEndpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:TARGET1',
  tableMappings: { rules: [] },
  thresholds: { maxLagBytes: 1024, maxLatencySeconds: 30, consecutivePolls: 3, pollSeconds: 30 },
  approval: { required: true, timeoutSeconds: 3600 },
  stopAtPosition: true,
  verify: { rowCounts: true },
  calls: {
    preflight: {
      sourceSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/source-AbCdEf',
    },
  },
  startedAt: '2026-03-01T10:00:00.000Z',
};

const finding = (id: string, severity: string) => ({
  id,
  severity,
  title: `${id} title`,
  observed: `${id} observed`,
  expected: 'x',
  remedy: `${id} remedy`,
  reference: 'ref',
});

/** What each stage adds to the state when it finishes, in order. */
const STAGE_RESULTS: [string, (s: State) => void][] = [
  ['PlanCutover', (s) => (s.plan = PLAN)],
  ['FindTask', (s) => (s.steps = { existing: { exists: false, replicating: false, status: null } })],
  [
    'Preflight',
    (s) =>
      (s.steps = {
        ...s.steps,
        preflight: {
          summary: { blockers: 0, warnings: 2, infos: 1 },
          findings: [
            finding('server.heartbeat', 'warning'),
            finding('tables.lob', 'warning'),
            finding('info.x', 'info'),
          ],
        },
      }),
  ],
  [
    'EnsureSlot',
    (s) => (s.steps.slot = { created: false, confirmedFlushLsn: '4AF/B00000D0', restartLsn: '4AF/B0000028' }),
  ],
  [
    'CreateSourceEndpoint',
    (s) =>
      (s.steps.endpoint = { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:SRC1', created: true }),
  ],
  ['TestConnection', (s) => (s.steps.connection = { status: 'successful', done: true })],
  [
    'CreateCdcTask',
    (s) =>
      (s.steps.task = {
        taskArn: TASK_ARN,
        created: true,
        cdcStartPosition: '4AF/B00000D0',
        confirmedFlushLsn: '4AF/B00000D0',
      }),
  ],
  [
    'WaitForReady',
    (s) =>
      (s.polls = {
        ready: { status: 'ready', done: true, since: PLAN.startedAt, polls: 1 },
        running: null,
        catchUp: null,
        stopped: null,
      }),
  ],
  ['StartTask', (s) => (s.steps.started = { started: true, status: 'starting' })],
  [
    'WaitForRunning',
    (s) => (s.polls.running = { status: 'running', done: true, since: PLAN.startedAt, polls: 3 }),
  ],
  [
    'CatchUp',
    (s) =>
      (s.polls.catchUp = {
        caughtUp: true,
        consecutive: 3,
        polls: 7,
        since: PLAN.startedAt,
        lagBytes: 120,
        latencySeconds: 2,
        confirmedFlushLsn: '4AF/C0000100',
        serverLsn: '4AF/C0000178',
      }),
  ],
  ['Approval', (s) => (s.steps.approval = { approved: true, by: 'alice' })],
  [
    'WaitForStop',
    (s) => (s.polls.stopped = { status: 'stopped', stopReason: 'STOPPED_AT_SERVER_TIME', done: true }),
  ],
  [
    'VerifyRowCounts',
    (s) =>
      (s.steps.verify = {
        tables: [
          { name: 'shop.orders', sourceRows: 1200, targetRows: 1200 },
          { name: 'shop.customers', sourceRows: 40, targetRows: 39 },
        ],
        mismatchedTables: 1,
      }),
  ],
];

/** The state after the first `n` stages finished. */
function stateAfter(n: number, extra: Record<string, unknown> = {}): State {
  const state: State = { name: 'orders', slot: { name: 'dms_slot' } };
  for (const [, apply] of STAGE_RESULTS.slice(0, n)) apply(state);
  return JSON.parse(JSON.stringify({ ...state, ...extra }));
}

const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({
    errorType,
    errorMessage,
    trace: [`${errorType}: ${errorMessage}`, '    at handler (file.mjs:1:1)'],
  });

function failureAt(
  n: number,
  error = {
    Error: 'SlotActiveError',
    Cause: lambdaCause(
      'SlotActiveError',
      'slot "dms_slot" is active for PID 4242 Remedy: Terminate the stale walsender',
    ),
  },
) {
  return stateAfter(n, { error });
}

describe('failedStage', () => {
  it('is the machine stages in order', () => {
    expect(STAGE_RESULTS.map(([stage]) => stage)).toEqual([...CUTOVER_STAGES]);
  });

  it.each(STAGE_RESULTS.map(([stage], n) => [stage, n] as const))(
    'names %s when it is the first stage without a result',
    (stage, n) => {
      expect(failedStage(stateAfter(n))).toBe(stage);
    },
  );

  it('needs the connection test, the running wait and the catch-up to be done, not only present', () => {
    const testing = stateAfter(5);
    testing.steps.connection = { status: 'testing', done: false };
    expect(failedStage(testing)).toBe('TestConnection');

    const starting = stateAfter(9);
    starting.polls.running = { status: 'starting', done: false };
    expect(failedStage(starting)).toBe('WaitForRunning');

    const lagging = stateAfter(10);
    lagging.polls.catchUp = { caughtUp: false, consecutive: 1 };
    expect(failedStage(lagging)).toBe('CatchUp');
  });

  it('skips the approval, the stop wait and the verification when the plan does not ask for them', () => {
    const state = stateAfter(11);
    state.plan = {
      ...PLAN,
      approval: { required: false },
      stopAtPosition: false,
      verify: { rowCounts: false },
    };
    expect(failedStage(state)).toBe('NotifySuccess');

    state.plan.verify = { rowCounts: true };
    expect(failedStage(state)).toBe('VerifyRowCounts');
  });

  it('takes a later result as proof the earlier stages ran (a definition without the ready wait)', () => {
    const state = stateAfter(9);
    delete state.polls.ready;
    state.polls.running = { status: 'starting', done: false };

    expect(failedStage(state)).toBe('WaitForRunning');
  });

  it('does not blame preflight on a re-run that skipped it because its task already replicates', () => {
    const state = stateAfter(2);
    state.steps.existing = { exists: true, replicating: true, status: 'running' };
    state.steps.endpoint = {
      endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:SRC1',
      created: false,
    };

    expect(failedStage(state)).toBe('TestConnection');
  });

  it('blames the success notification when every stage finished', () => {
    expect(failedStage(stateAfter(STAGE_RESULTS.length))).toBe('NotifySuccess');
  });
});

describe('parseFailure', () => {
  it('reads a Lambda error document and splits off the remedy', () => {
    expect(parseFailure(failureAt(6))).toEqual({
      name: 'SlotActiveError',
      message: 'slot "dms_slot" is active for PID 4242',
      remedy: 'Terminate the stale walsender',
    });
  });

  it('keeps free-text causes as they are (States.Timeout, a Fail state)', () => {
    expect(parseFailure({ error: { Error: 'States.Timeout', Cause: 'The task timed out.' } })).toEqual({
      name: 'States.Timeout',
      message: 'The task timed out.',
      remedy: null,
    });
    expect(
      parseFailure({ error: { Error: 'CutoverRejected', Cause: 'not during business hours' } }),
    ).toMatchObject({
      name: 'CutoverRejected',
      message: 'not during business hours',
    });
  });

  it('copes with a missing or malformed error', () => {
    expect(parseFailure({})).toEqual({ name: 'UnknownError', message: 'no cause was given', remedy: null });
    expect(parseFailure({ error: { Error: 'States.Runtime' } })).toMatchObject({ name: 'States.Runtime' });
    expect(
      parseFailure({ error: { Cause: lambdaCause('TaskFailedError', 'task is failed') } }),
    ).toMatchObject({
      name: 'TaskFailedError',
      message: 'task is failed',
    });
    expect(parseFailure({ error: { Error: 'X', Cause: '{"not":"a lambda error"' } })).toMatchObject({
      message: '{"not":"a lambda error"',
    });
  });
});

describe('approvalCommands', () => {
  it('spells the CLI calls that answer the token', () => {
    expect(approvalCommands(TOKEN)).toEqual({
      approve: `dms-cdc approve --token ${TOKEN}`,
      reject: `dms-cdc reject --token ${TOKEN} --reason "<why>"`,
    });
  });

  it('quotes a token the shell would split', () => {
    expect(approvalCommands("a b'c").approve).toBe(`dms-cdc approve --token 'a b'\\''c'`);
  });
});

describe('buildCutoverNotification', () => {
  const cases: [NotificationKind, State, string][] = [
    ['success', stateAfter(STAGE_RESULTS.length), '[SUCCEEDED] cutover orders: caught up at 4AF/C0000100'],
    ['failure', failureAt(6), '[FAILED] cutover orders: CreateCdcTask SlotActiveError'],
    ['blocked', blockedState(), '[BLOCKED] cutover orders: 2 preflight blockers, nothing created'],
    ['approval-request', stateAfter(11), '[APPROVAL] cutover orders: caught up, approve or reject'],
  ];

  it.each(cases)('%s: a short ASCII subject, and a message SNS accepts', (kind, state, subject) => {
    const message = buildCutoverNotification({ kind, state, taskToken: TOKEN }, NOW);

    expect(message.subject).toBe(subject);
    expect(validateAlertMessage(message)).toEqual([]);
    const published = toSnsPublishFields(message);
    expect(parseAlertMessage(published.Message).payload).toMatchObject({ kind, cutover: 'orders' });
    expect(message.attributes).toEqual({
      severity: { success: 'INFO', failure: 'CRITICAL', blocked: 'WARNING', 'approval-request': 'INFO' }[
        kind
      ],
      source: 'orders',
      kind,
      slot: 'dms_slot',
    });
  });

  it('keeps the subject under 100 characters with the longest names', () => {
    const state = failureAt(10, { Error: `${'VeryLong'.repeat(12)}Error`, Cause: 'x' });
    state.plan.sourceName = `a${'b'.repeat(39)}`;

    const { subject } = buildCutoverNotification({ kind: 'failure', state }, NOW);

    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^\[FAILED\] cutover abbb+: CatchUp VeryLong.*\.\.\.$/);
  });

  it('failure: names the stage, the error, its message and remedy, the LSNs and the timings', () => {
    const { body, payload } = buildCutoverNotification({ kind: 'failure', state: failureAt(6) }, NOW);

    expect(body).toContain('FAILED at stage CreateCdcTask');
    expect(body).toContain(
      'Error: SlotActiveError\nslot "dms_slot" is active for PID 4242\nRemedy: Terminate the stale walsender',
    );
    expect(body).toContain('confirmed_flush_lsn 4AF/B00000D0, restart_lsn 4AF/B0000028');
    expect(body).toContain('Started 2026-03-01T10:00:00.000Z; 42 min 30 s ago');
    expect(payload).toMatchObject({
      stage: 'CreateCdcTask',
      error: { name: 'SlotActiveError', remedy: 'Terminate the stale walsender' },
      lsns: { slotConfirmedFlushLsn: '4AF/B00000D0' },
      timings: { elapsedSeconds: 2550 },
    });
  });

  it('failure before the plan exists still names the cutover from the raw input', () => {
    const state = {
      name: 'orders',
      error: {
        Error: 'InvalidInputError',
        Cause: lambdaCause('InvalidInputError', 'slot.name: must be lower case'),
      },
    };

    const message = buildCutoverNotification({ kind: 'failure', state }, NOW);

    expect(message.subject).toBe('[FAILED] cutover orders: PlanCutover InvalidInputError');
    expect(message.body).toContain('slot.name: must be lower case');
  });

  it('carries the preflight warnings (not the infos) into every kind', () => {
    for (const kind of NOTIFICATION_KINDS) {
      const state =
        kind === 'blocked'
          ? blockedState()
          : kind === 'failure'
            ? failureAt(6)
            : stateAfter(STAGE_RESULTS.length);
      const { body, payload } = buildCutoverNotification({ kind, state, taskToken: TOKEN }, NOW);
      expect(body, kind).toContain(
        'Preflight warnings:\n- [server.heartbeat] server.heartbeat title: server.heartbeat observed. Remedy: server.heartbeat remedy',
      );
      expect(body, kind).not.toContain('info.x');
      expect(payload.warnings, kind).toEqual([
        { id: 'server.heartbeat', title: 'server.heartbeat title' },
        { id: 'tables.lob', title: 'tables.lob title' },
      ]);
    }
  });

  it('blocked: lists every blocker with its remedy', () => {
    const { body, payload } = buildCutoverNotification({ kind: 'blocked', state: blockedState() }, NOW);

    expect(body).toContain('Nothing was created');
    expect(body).toContain(
      'Blockers:\n- [server.wal-level] server.wal-level title: server.wal-level observed. Remedy: server.wal-level remedy',
    );
    expect(payload.blockers).toEqual([
      { id: 'server.wal-level', title: 'server.wal-level title' },
      { id: 'tables.no-key', title: 'tables.no-key title' },
    ]);
  });

  it('approval-request: says exactly how to approve and reject, and by when', () => {
    const { body, payload } = buildCutoverNotification(
      { kind: 'approval-request', state: stateAfter(11), taskToken: TOKEN },
      NOW,
    );

    expect(body).toContain(`To approve: dms-cdc approve --token ${TOKEN}\n`);
    expect(body).toContain(`To reject:  dms-cdc reject --token ${TOKEN} --reason "<why>"`);
    expect(body).toContain('within 1 h 0 min (by 2026-03-01T11:42:30.000Z)');
    expect(body).toContain(
      'Catch-up: slot lag 120 bytes, DMS latency 2 s, confirmed_flush_lsn 4AF/C0000100 of server LSN 4AF/C0000178',
    );
    expect(payload.taskToken).toBe(TOKEN);
  });

  it('success: the LSNs, the stop, the row counts with differences first, and who approved', () => {
    const { body, payload } = buildCutoverNotification(
      { kind: 'success', state: stateAfter(STAGE_RESULTS.length) },
      NOW,
    );

    expect(body).toContain('succeeded');
    expect(body).toContain('then stopped (STOPPED_AT_SERVER_TIME)');
    expect(body).toContain(`Task: ${TASK_ARN} (created), CdcStartPosition 4AF/B00000D0`);
    expect(body).toContain(
      'Row counts: 2 tables compared, 1 differ\n- shop.customers: source 40, target 39  <- differs\n- shop.orders: source 1200, target 1200',
    );
    expect(payload).toMatchObject({
      lsns: { cdcStartPosition: '4AF/B00000D0', caughtUpLsn: '4AF/C0000100' },
      stop: { stopReason: 'STOPPED_AT_SERVER_TIME' },
      rowCounts: { mismatchedTables: 1 },
      approval: { approved: true, by: 'alice' },
      taskToken: null,
    });
  });

  it('copies named fields only: nothing else in the state reaches the message', () => {
    const state = stateAfter(STAGE_RESULTS.length, { credentials: { password: 'hunter2-never-sent' } });
    state.plan.calls.preflight.password = 'hunter2-never-sent';
    state.steps.task.password = 'hunter2-never-sent';

    for (const kind of NOTIFICATION_KINDS) {
      const message = buildCutoverNotification({ kind, state, taskToken: TOKEN }, NOW);
      expect(JSON.stringify(message), kind).not.toContain('hunter2');
      expect(JSON.stringify(message), kind).not.toContain('secretsmanager');
    }
  });
});

function blockedState(): State {
  const state = stateAfter(3);
  state.steps.preflight = {
    summary: { blockers: 2, warnings: 2, infos: 0 },
    findings: [
      finding('server.wal-level', 'blocker'),
      finding('tables.no-key', 'blocker'),
      finding('server.heartbeat', 'warning'),
      finding('tables.lob', 'warning'),
    ],
  };
  return state;
}
