import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseAlertMessage,
  toSnsPublishFields,
  validateAlertMessage,
} from '../../../src/core/alerts/sns-message.js';
import {
  approvalCommands,
  buildCutoverNotification,
  NOTIFICATION_KINDS,
  type NotificationKind,
} from '../../../src/core/cutover/notifications.js';
import { CUTOVER_STAGES, failedStage } from '../../../src/core/cutover/stages.js';
import { parseFailure } from '../../../src/core/cutover/state-view.js';

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
  end: { mode: 'stop-when-quiet', stops: true, stopWaitUntil: null },
  verify: { rowCounts: true },
  sequences: { sync: true, gap: 0 },
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

// The definition as deployed, read here on its own: stage names are checked against it, not a copy.
const DEFINITION = JSON.parse(
  readFileSync(new URL('../../../statemachines/cutover.asl.json', import.meta.url), 'utf8'),
) as { States: Record<string, { Type: string; Next?: string; ResultPath?: string }> };

/** The Task state that records its result at `resultPath` (the first one: a retry loop records it twice). */
function stageWriting(resultPath: string): string {
  const found = Object.entries(DEFINITION.States).find(
    ([, state]) => state.Type === 'Task' && state.ResultPath === resultPath,
  );
  if (!found) throw new Error(`no Task of cutover.asl.json records ${resultPath}`);
  return found[0];
}

/** The notification sent when everything finished: the Task whose next state ends the execution in success. */
const SUCCESS_NOTIFICATION = Object.entries(DEFINITION.States).find(
  ([, state]) => state.Type === 'Task' && DEFINITION.States[state.Next ?? '']?.Type === 'Succeed',
)?.[0];

/** What each stage adds to the state when it finishes (by the result path the definition writes), in order. */
const STAGE_RESULTS: [string, (s: State) => void][] = [
  ['$.plan', (s) => (s.plan = PLAN)],
  ['$.steps.existing', (s) => (s.steps = { existing: { exists: false, replicating: false, status: null } })],
  [
    '$.steps.preflight',
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
    '$.steps.slot',
    (s) => (s.steps.slot = { created: false, confirmedFlushLsn: '4AF/B00000D0', restartLsn: '4AF/B0000028' }),
  ],
  [
    '$.steps.endpoint',
    (s) =>
      (s.steps.endpoint = { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:SRC1', created: true }),
  ],
  ['$.steps.connection', (s) => (s.steps.connection = { status: 'successful', done: true })],
  [
    '$.steps.task',
    (s) =>
      (s.steps.task = {
        taskArn: TASK_ARN,
        created: true,
        cdcStartPosition: '4AF/B00000D0',
        confirmedFlushLsn: '4AF/B00000D0',
      }),
  ],
  [
    '$.polls.ready',
    (s) =>
      (s.polls = {
        ready: { status: 'ready', done: true, since: PLAN.startedAt, polls: 1 },
        running: null,
        catchUp: null,
        stopped: null,
      }),
  ],
  ['$.steps.started', (s) => (s.steps.started = { started: true, status: 'starting' })],
  [
    '$.polls.running',
    (s) => (s.polls.running = { status: 'running', done: true, since: PLAN.startedAt, polls: 3 }),
  ],
  [
    '$.polls.catchUp',
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
  ['$.steps.approval', (s) => (s.steps.approval = { approved: true, by: 'alice' })],
  [
    '$.polls.quiet',
    (s) =>
      (s.polls.quiet = { caughtUp: true, consecutive: 3, polls: 3, taskStatus: 'running', stopReason: null }),
  ],
  ['$.steps.stop', (s) => (s.steps.stop = { stopped: true, status: 'stopping' })],
  [
    '$.polls.stopped',
    (s) => (s.polls.stopped = { status: 'stopped', stopReason: 'Stop Reason NORMAL', done: true }),
  ],
  [
    '$.steps.sequences',
    (s) =>
      (s.steps.sequences = {
        summary: { sequences: 4, set: 3, inStep: 0, targetAhead: 1, notSynced: 0 },
        sequences: [],
      }),
  ],
  [
    '$.steps.verify',
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
  it('is the machine stages in order (the still-running check only for continuous replication, tested below)', () => {
    expect(STAGE_RESULTS.map(([path]) => path)).toEqual(
      CUTOVER_STAGES.map((s) => s.resultPath).filter((p) => p !== '$.polls.final'),
    );
    expect(CUTOVER_STAGES.map((s) => s.name)).toEqual(CUTOVER_STAGES.map((s) => stageWriting(s.resultPath)));
  });

  it('names only states the definition has: Tasks whose failure goes to the failure notification', () => {
    for (const { name } of CUTOVER_STAGES) {
      expect(DEFINITION.States[name]).toMatchObject({
        Type: 'Task',
        Catch: expect.arrayContaining([expect.objectContaining({ Next: 'NotifyFailure' })]),
      });
    }
    expect(DEFINITION.States[SUCCESS_NOTIFICATION ?? '']).toBeDefined();
  });

  it('names the still-running check for continuous replication whose task is no longer running after approval', () => {
    const state = stateAfter(12);
    // As planCutover plans continuous replication: the source moves on, so no sequence is set.
    state.plan = {
      ...PLAN,
      end: { mode: 'continuous', stops: false, stopWaitUntil: null },
      sequences: { sync: false, gap: 0 },
    };
    state.polls.final = { status: 'stopped', done: false };
    expect(failedStage(state)).toBe(stageWriting('$.polls.final'));
    state.polls.final = { status: 'running', done: true };
    expect(failedStage(state)).toBe(stageWriting('$.steps.verify'));
  });

  it.each(STAGE_RESULTS.map(([path], n) => [path, n] as const))(
    'names the Task recording %s when it is the first stage without a result',
    (path, n) => {
      expect(failedStage(stateAfter(n))).toBe(stageWriting(path));
    },
  );

  it('needs the connection test, the running wait and the catch-up to be done, not only present', () => {
    const testing = stateAfter(5);
    testing.steps.connection = { status: 'testing', done: false };
    expect(failedStage(testing)).toBe(stageWriting('$.steps.connection'));

    const starting = stateAfter(9);
    starting.polls.running = { status: 'starting', done: false };
    expect(failedStage(starting)).toBe(stageWriting('$.polls.running'));

    const lagging = stateAfter(10);
    lagging.polls.catchUp = { caughtUp: false, consecutive: 1 };
    expect(failedStage(lagging)).toBe(stageWriting('$.polls.catchUp'));
  });

  it('skips the approval, the stop wait, the sequences and the verification when the plan does not ask for them', () => {
    const state = stateAfter(11);
    state.plan = {
      ...PLAN,
      approval: { required: false },
      end: { mode: 'continuous', stops: false, stopWaitUntil: null },
      verify: { rowCounts: false },
      sequences: { sync: false, gap: 0 },
    };
    state.polls.final = { status: 'running', done: true };
    expect(failedStage(state)).toBe(SUCCESS_NOTIFICATION);

    state.plan.verify = { rowCounts: true };
    expect(failedStage(state)).toBe(stageWriting('$.steps.verify'));
  });

  it('names the sequence step after a stop when asked for, and skips it when not', () => {
    const stopped = stateAfter(STAGE_RESULTS.findIndex(([path]) => path === '$.steps.sequences'));
    expect(failedStage(stopped)).toBe('SyncSequences');
    stopped.plan = { ...PLAN, sequences: { sync: false, gap: 0 } };
    expect(failedStage(stopped)).toBe('VerifyRowCounts');
  });

  it('takes a later result as proof the earlier stages ran (a definition without the ready wait)', () => {
    const state = stateAfter(9);
    delete state.polls.ready;
    state.polls.running = { status: 'starting', done: false };

    expect(failedStage(state)).toBe(stageWriting('$.polls.running'));
  });

  it('does not blame preflight on a re-run that skipped it because its task already replicates', () => {
    const state = stateAfter(2);
    state.steps.existing = { exists: true, replicating: true, status: 'running' };
    state.steps.endpoint = {
      endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:SRC1',
      created: false,
    };

    expect(failedStage(state)).toBe(stageWriting('$.steps.connection'));
  });

  it('blames the success notification when every stage finished', () => {
    expect(failedStage(stateAfter(STAGE_RESULTS.length))).toBe(SUCCESS_NOTIFICATION);
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
    expect(subject).toMatch(
      new RegExp(`^\\[FAILED\\] cutover abbb+: ${stageWriting('$.polls.catchUp')} VeryLong.*\\.\\.\\.$`),
    );
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
      stage: stageWriting('$.steps.task'),
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
    expect(body).toContain('then stopped (Stop Reason NORMAL) by this cutover once the source was quiet');
    expect(body).toContain(`Task: ${TASK_ARN} (created), CdcStartPosition 4AF/B00000D0`);
    expect(body).toContain(
      'Row counts: 2 tables compared, 1 differ\n- shop.customers: source 40, target 39  <- differs\n- shop.orders: source 1200, target 1200',
    );
    expect(payload).toMatchObject({
      lsns: { cdcStartPosition: '4AF/B00000D0', caughtUpLsn: '4AF/C0000100' },
      stop: { stopReason: 'Stop Reason NORMAL' },
      rowCounts: { mismatchedTables: 1 },
      approval: { approved: true, by: 'alice' },
      taskToken: null,
    });
  });

  it('success: says whether the rows themselves were compared, and why not when they were not', () => {
    const compared = stateAfter(STAGE_RESULTS.length);
    compared.steps.verify = {
      tables: [{ name: 'shop.orders', sourceRows: 1200, targetRows: 1200 }],
      mismatchedTables: 0,
      content: { compared: true, reason: null, tables: 1, rowsCompared: 1200, differing: [] },
    };
    const countsOnly = stateAfter(STAGE_RESULTS.length);
    countsOnly.steps.verify = {
      ...compared.steps.verify,
      content: {
        compared: false,
        reason: 'the row counts differ',
        tables: 0,
        rowsCompared: 0,
        differing: [],
      },
    };
    const body = (state: State) => buildCutoverNotification({ kind: 'success', state }, NOW).body;

    expect(body(compared)).toContain(
      'Row counts: 1 table compared, 0 differ\nContent: 1200 rows in 1 tables compared row by row, equal\n',
    );
    expect(body(countsOnly)).toContain('Content: not compared row by row (the row counts differ)');
    expect(body(stateAfter(STAGE_RESULTS.length))).not.toContain('Content:');
    expect(buildCutoverNotification({ kind: 'success', state: compared }, NOW).payload).toMatchObject({
      rowCounts: { content: { compared: true, rowsCompared: 1200, tables: 1 } },
    });
  });

  it('success: row counts compared at the task checkpoint show what the source gained since and what was expected', () => {
    const state = stateAfter(STAGE_RESULTS.length);
    const atCheckpoint = (name: string, sourceRows: number, delta: number, targetRows: number) => ({
      name,
      sourceRows,
      targetRows,
      expectedTargetRows: sourceRows - delta,
      postCheckpointDelta: delta,
      truncatedAfterCheckpoint: false,
    });
    state.steps.verify = {
      tables: [
        atCheckpoint('shop.orders', 1215, 15, 1200),
        atCheckpoint('shop.customers', 38, -2, 40),
        atCheckpoint('shop.items', 7, 0, 7),
        { ...atCheckpoint('shop.notes', 3, 0, 5), expectedTargetRows: null, truncatedAfterCheckpoint: true },
      ],
      mismatchedTables: 1,
    };

    const { body, payload } = buildCutoverNotification({ kind: 'success', state }, NOW);

    expect(body).toContain(
      [
        'Row counts: 4 tables compared, 1 differ',
        "- shop.notes: source 3 (truncated after the task's checkpoint: not comparable), target 5  <- differs",
        "- shop.orders: source 1215 (15 added after the task's checkpoint), expected 1200, target 1200",
        "- shop.customers: source 38 (2 deleted after the task's checkpoint), expected 40, target 40",
        '- shop.items: source 7, target 7',
      ].join('\n'),
    );
    expect(payload.rowCounts).toMatchObject({
      tables: [
        {
          name: 'shop.orders',
          sourceRows: 1215,
          targetRows: 1200,
          expectedTargetRows: 1200,
          postCheckpointDelta: 15,
        },
        {},
        {},
        {},
      ],
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

describe('how the cutover ended, in its notifications', () => {
  const stoppedDuringCatchUp = () => {
    const state = stateAfter(10);
    state.polls.catchUp = {
      caughtUp: false,
      consecutive: 0,
      polls: 4,
      taskStatus: 'stopped',
      stopReason: 'Last Error Disk full. Stop Reason STOPPED_DUE_TO_LOW_DISK Error Level ERROR',
    };
    state.error = {
      Error: 'TaskStoppedUnexpectedlyError',
      Cause: 'The task stopped during catch-up (...): the cutover did not ask for that stop.',
    };
    return state;
  };

  it('a stop during catch-up names the stage, the StopReason and the recover commands', () => {
    const message = buildCutoverNotification({ kind: 'failure', state: stoppedDuringCatchUp() }, NOW);

    expect(message.subject).toBe(
      `[FAILED] cutover orders: ${stageWriting('$.polls.catchUp')} TaskStoppedUnexpectedlyError`,
    );
    expect(message.body).toContain(
      'Task StopReason: Last Error Disk full. Stop Reason STOPPED_DUE_TO_LOW_DISK Error Level ERROR',
    );
    expect(message.body).toContain('Never restart the task');
    expect(message.body).toContain(
      `dms-cdc recover --state-machine-arn <RecoverStateMachineArn> --task ${TASK_ARN}`,
    );
    expect(message.payload).toMatchObject({
      stage: stageWriting('$.polls.catchUp'),
      stop: { status: 'stopped', stopReason: expect.stringContaining('STOPPED_DUE_TO_LOW_DISK') },
      recover: [expect.stringContaining('dms-cdc recover decide'), expect.stringContaining(TASK_ARN)],
    });
  });

  it('a failure before any task exists offers no recover command', () => {
    const message = buildCutoverNotification({ kind: 'failure', state: failureAt(3) }, NOW);
    expect(message.body).not.toContain('dms-cdc recover');
    expect(message.payload).toMatchObject({ recover: [] });
  });

  it('names the quiet wait and the stop as their own stages', () => {
    const quiet = stateAfter(12);
    quiet.polls.quiet = { caughtUp: false, consecutive: 1, polls: 2, taskStatus: 'running' };
    expect(failedStage(quiet)).toBe(stageWriting('$.polls.quiet'));
    expect(failedStage(stateAfter(13))).toBe(stageWriting('$.steps.stop'));
  });

  it('continuous replication is named as such, and nothing claims a stop', () => {
    const state = stateAfter(12);
    // As planCutover plans continuous replication: the source moves on, so no sequence is set.
    state.plan = {
      ...PLAN,
      end: { mode: 'continuous', stops: false, stopWaitUntil: null },
      sequences: { sync: false, gap: 0 },
    };
    const message = buildCutoverNotification({ kind: 'success', state }, NOW);

    expect(message.body).toContain('succeeded with CONTINUOUS REPLICATION');
    expect(message.body).toContain('left running on purpose');
    expect(message.body).not.toContain('then stopped');
    expect(message.payload).toMatchObject({ end: 'continuous', sequences: null });
    expect(message.body).not.toContain('Sequences:');
  });
});
