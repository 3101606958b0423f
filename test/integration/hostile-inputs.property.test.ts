import 'aws-sdk-client-mock-vitest/extend';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler as describeTask } from '../../functions/describe-task.js';
import { makeHandler as findTask } from '../../functions/find-task.js';
import { makeHandler as inspectSlot } from '../../functions/inspect-slot.js';
import { makeHandler as notify } from '../../functions/notify.js';
import { makeHandler as planCutover } from '../../functions/plan-cutover.js';
import { makeHandler as pollTask } from '../../functions/poll-task.js';
import { makeHandler as routeRecoveryEvent } from '../../functions/route-recovery-event.js';
import { makeHandler as stopTask } from '../../functions/stop-task.js';
import { createLogger } from '../../src/adapters/aws/logger.js';
import { buildStartOnce } from '../../src/adapters/aws/sfn-start.js';
import { buildSnsAlerts } from '../../src/adapters/aws/sns.js';
import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';
import { DmsResourceNotFoundError } from '../../src/core/dms/errors.js';
import { registerSecret } from '../../src/core/redact.js';
import type { Dms } from '../../src/ports/dms.js';
import { captureStdio } from '../support/capture-stdio.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { loopbackSecret } from '../support/secrets.js';

/**
 * Hostile and careless inputs, generated. The CLI gets generated slot names,
 * LSNs, URLs, mapping files, configs and flag combinations against a real PostgreSQL server; the
 * Lambda handlers get malformed events. For every run: the exit status is a documented one, a failure
 * is one error line and a remedy (or the usage), no stack trace, the planted password appears
 * nowhere (output, logs, errors, SNS messages), and the server is unchanged (slots, tables, triggers,
 * event triggers, roles).
 */
const PLANTED = 'Planted-Secret-9xQ4';
const CLI_RUNS = 250;
const LAMBDA_RUNS = 400;

let node: PgNode;
let home: string;
let filesDir: string;
let baseline: string;
let logged: string[] = [];
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);

beforeAll(async () => {
  node = await primaryForFile({ name: 'hostile-inputs' });
  await node.query(`CREATE TABLE public.orders (id int PRIMARY KEY, note text);
    CREATE FUNCTION public.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
    CREATE TRIGGER orders_noop BEFORE INSERT ON public.orders FOR EACH ROW EXECUTE FUNCTION public.noop()`);
  await node.query(`SELECT pg_create_logical_replication_slot('pinned_slot', 'test_decoding')`);
  home = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-hostile-home-'));
  filesDir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-hostile-files-'));
  baseline = await serverState();
  registerSecret(PLANTED);
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(filesDir, { recursive: true, force: true });
});

beforeEach(() => {
  logged = captureStdio();
  sfn.reset();
  sfn
    .on(StartExecutionCommand)
    .rejects(Object.assign(new Error('no such machine'), { name: 'StateMachineDoesNotExist' }));
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything an input could change on the server, as one text. */
async function serverState(): Promise<string> {
  const [row] = await node.query<{ state: unknown }>(`SELECT jsonb_build_object(
      'slots', (SELECT jsonb_agg(jsonb_build_array(slot_name, plugin, slot_type, database, confirmed_flush_lsn::text)
                  ORDER BY slot_name) FROM pg_replication_slots),
      'tables', (SELECT jsonb_agg(n.nspname || '.' || c.relname ORDER BY 1) FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')),
      'triggers', (SELECT jsonb_agg(tgname ORDER BY tgname) FROM pg_trigger WHERE NOT tgisinternal),
      'eventTriggers', (SELECT jsonb_agg(evtname ORDER BY evtname) FROM pg_event_trigger),
      'functions', (SELECT jsonb_agg(proname ORDER BY proname) FROM pg_proc p JOIN pg_namespace n
                      ON n.oid = p.pronamespace WHERE n.nspname = 'public'),
      'roles', (SELECT jsonb_agg(rolname ORDER BY rolname) FROM pg_roles),
      'publications', (SELECT jsonb_agg(pubname ORDER BY pubname) FROM pg_publication)
    ) AS state`);
  return JSON.stringify(row?.state);
}

// ---------- generated CLI inputs ----------

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\n',
    "a'; DROP TABLE public.orders; --",
    "\"; SELECT pg_drop_replication_slot('pinned_slot'); --",
    '%',
    '_',
    '[',
    '[z-a]',
    '../../etc/passwd',
    '$(rm -rf /)',
    PLANTED,
    `x${PLANTED}x`,
    'x'.repeat(300),
  ),
);

const slotName = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/),
  fc.constantFrom('pinned_slot', 'Bad-Name', 'x'.repeat(64), 'slot;drop', 'UPPER'),
  hostileText,
);
/** Names PostgreSQL refuses as a slot: what slot create and --drop-slot get, so nothing is made or dropped. */
const invalidSlotName = fc.oneof(
  fc.constantFrom('Bad-Name', 'x'.repeat(64), 'a b', 'UPPER', '', 'slot;drop', PLANTED),
  hostileText.filter((s) => !/^[a-z0-9_]{1,63}$/.test(s)),
);

const lsn = fc.oneof(
  fc
    .tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }))
    .map(([hi, lo]) => `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`),
  fc.constantFrom('0/0', 'FFFFFFFF/FFFFFFFF', '1/2/3', '-1/0', 'G/0', '0x10/0', '/', '1/'),
  hostileText,
);

const duration = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }).map(String),
  fc.constantFrom('0', '1e9', 'Infinity', 'NaN', '-1', '3601', '4', '5', '0.05', ' 5', '5s', ''),
  hostileText,
);

function url(): fc.Arbitrary<string> {
  const port = node.port;
  // The server's own URL half the time, so that commands also run to the end.
  return fc.oneof(
    { arbitrary: fc.constant(`postgres://postgres@127.0.0.1:${port}/postgres`), weight: 16 },
    fc.constant(`postgres://postgres:${PLANTED}@127.0.0.1:${port}/postgres`),
    fc.constant(`postgres://postgres@127.0.0.1:${port}/${PLANTED}`),
    fc.constant(`postgres://${PLANTED}@127.0.0.1:${port}/postgres`),
    fc.constant(`postgres://postgres@127.0.0.1.example.com:${port}/postgres?sslmode=disable`),
    fc.constant(`postgres://postgres@localhost.evil:${port}/postgres?sslmode=disable`),
    fc.constant(`postgres://postgres@127.0.0.1:${port}/postgres?sslmode=allow`),
    fc.constant(`postgres://postgres@127.0.0.1:${port}/postgres?sslmode=${PLANTED}`),
    fc.constant('postgres://postgres@127.0.0.1:1/postgres'),
    fc.constant('postgres://postgres@127.0.0.1:99999/postgres'),
    fc.constant('postgres:///postgres'),
    fc.constant(`mysql://root:${PLANTED}@db/x`),
    fc.constant(`not a url ${PLANTED}`),
    fc.constant('postgres://u@[::1'),
    fc.constant(`postgres://postgres@127.0.0.1:${port}/%E0%A4%A`),
    fc.webUrl().map((u) => `${u}?password=${PLANTED}`),
    hostileText,
  );
}

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('password', 'rules', 'sources', 'defaults')),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 4 },
  ),
);

const mappingFile = fc.oneof(
  fc
    .array(
      fc.record({
        'rule-type': fc.constantFrom('selection', 'transformation', PLANTED),
        'rule-id': fc.oneof(fc.nat().map(String), hostileText),
        'rule-name': hostileText,
        'object-locator': fc.record({ 'schema-name': hostileText, 'table-name': hostileText }),
        'rule-action': fc.constantFrom('include', 'exclude', 'explicit', 'drop'),
      }),
      { maxLength: 4 },
    )
    .map((rules) => JSON.stringify({ rules })),
  jsonish.map((v) => JSON.stringify(v)),
  fc.constantFrom(`password=${PLANTED}`, `${PLANTED}`, '{"rules": [', '\u0000\u00ff', ''),
);

function healthConfig(): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .record({
        sources: fc.array(
          fc.record(
            {
              name: hostileText,
              url: url(),
              slots: fc.oneof(fc.constant('logical'), fc.array(slotName, { maxLength: 2 })),
              password: fc.constant(PLANTED),
              thresholds: jsonish,
            },
            { requiredKeys: ['name'] },
          ),
          { maxLength: 2 },
        ),
      })
      .map((v) => JSON.stringify(v)),
    jsonish.map((v) => JSON.stringify(v)),
    fc.constantFrom(`${PLANTED}: true`, '[]', 'null'),
  );
}

let fileCounter = 0;
function fileWith(content: string): string {
  fileCounter += 1;
  const file = path.join(filesDir, `f${fileCounter}.json`);
  writeFileSync(file, content);
  return file;
}

type Invocation = { readonly name: string; readonly argv: string[] };

function optional(flag: string, value: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return fc.option(value, { nil: undefined, freq: 2 }).map((v) => (v === undefined ? [] : [flag, v]));
}

function commands(): fc.Arbitrary<Invocation> {
  const source = url().map((u) => ['--source', u]);
  return fc.oneof(
    fc
      .tuple(
        source,
        fc.oneof(
          slotName.map((s) => ['--slot', s]),
          fc.constant(['--all']),
        ),
        fc.boolean(),
      )
      .map(([s, which, json]) => ({
        name: 'slot inspect',
        argv: ['slot', 'inspect', ...s, ...which, ...(json ? ['--json'] : [])],
      })),
    fc
      .tuple(
        source,
        invalidSlotName,
        optional('--timeout', duration),
        optional('--plugin', fc.constantFrom('pglogical', 'wal2json', 'test-decoding')),
        optional('--tables', hostileText),
      )
      .map(([s, slot, timeout, plugin, tables]) => ({
        name: 'slot create',
        argv: ['slot', 'create', ...s, '--slot', slot, ...timeout, ...plugin, ...tables],
      })),
    fc
      .tuple(source, optional('--artifacts-schema', hostileText), optional('--drop-slot', invalidSlotName))
      .map(([s, schema, drop]) => ({
        name: 'slot cleanup',
        argv: ['slot', 'cleanup', ...s, ...schema, ...drop],
      })),
    fc
      .tuple(
        source,
        optional('--slot', slotName),
        fc.boolean(),
        optional('--plugin', fc.oneof(fc.constantFrom('test-decoding', 'pglogical'), hostileText)),
        optional('--table-mappings', mappingFile.map(fileWith)),
        optional('--target', url()),
      )
      .map(([s, slot, create, plugin, mappings, target]) => ({
        name: 'preflight',
        argv: [
          'preflight',
          ...s,
          ...slot,
          ...(create ? ['--create-slot'] : []),
          ...plugin,
          ...mappings,
          ...target,
          '--json',
        ],
      })),
    fc
      .tuple(
        fc.option(source, { nil: undefined }),
        optional('--config', healthConfig().map(fileWith)),
        optional('--watch', duration),
        optional(
          '--warn-lag',
          fc.oneof(fc.constantFrom('1GB', '512MB', '1.5GiB', '-1', '1e400'), hostileText),
        ),
        fc.boolean(),
      )
      .map(([s, config, watch, lag, json]) => ({
        name: 'health',
        argv: ['health', ...(s ?? []), ...config, ...watch, ...lag, ...(json ? ['--json'] : [])],
      })),
    fc
      .tuple(
        source,
        slotName,
        fc.oneof(
          fc
            .constantFrom('running', 'stopped', 'failed', 'starting', 'ready')
            .map((s) => ['--task-status', s]),
          hostileText.map((s) => ['--task-status', s]),
          fc.constant(['--task-gone']),
        ),
        optional('--checkpoint', lsn),
        optional('--previous-confirmed', lsn),
        optional('--task-start', lsn),
        optional(
          '--stop-reason',
          fc.oneof(fc.constantFrom('Stop Reason FATAL_ERROR', 'RECOVERABLE_ERROR'), hostileText),
        ),
      )
      .map(([s, slot, task, checkpoint, previous, start, reason]) => ({
        name: 'recover decide',
        argv: [
          'recover',
          'decide',
          ...s,
          '--slot',
          slot,
          ...task,
          ...checkpoint,
          ...previous,
          ...start,
          ...reason,
        ],
      })),
    fc
      .tuple(
        fc.oneof(fc.constant('arn:aws:states:eu-west-1:123456789012:stateMachine:cutover'), hostileText),
        jsonish.map((v) => fileWith(JSON.stringify(v))),
        optional('--poll', duration),
        optional('--name', hostileText),
      )
      .map(([arn, input, poll, name]) => ({
        name: 'cutover',
        argv: ['cutover', '--state-machine-arn', arn, '--input', input, ...poll, ...name],
      })),
    fc
      .tuple(
        fc.array(
          fc.constantFrom(
            '--source',
            '--slot',
            '--json',
            '--all',
            '--timeout',
            '--watch',
            '--bogus',
            '-h',
            PLANTED,
          ),
          {
            maxLength: 5,
          },
        ),
        fc.constantFrom(['slot', 'inspect'], ['preflight'], ['health'], ['recover', 'decide']),
      )
      .map(([flags, words]) => ({ name: `${words.join(' ')} (flag soup)`, argv: [...words, ...flags] })),
  );
}

const STACK_FRAME = /^\s+at .+(\(|:\d+)/m;

function checkFailureShape(stderr: string): void {
  const lines = stderr.split('\n');
  expect(lines[0]).toMatch(/^\S/);
  const rest = lines.slice(1);
  if (rest.length === 0) return;
  if (rest.length === 1) {
    expect(rest[0]).toMatch(/^remedy: \S/);
    return;
  }
  // A usage error: the message, a blank line, then the command's usage.
  expect(rest[0]).toBe('');
  expect(rest[1]).toMatch(/^usage: /);
}

describe('hostile inputs', () => {
  it(`the CLI: ${CLI_RUNS} generated invocations against a real server`, async () => {
    let cases = 0;
    const statuses = new Map<string, Set<number>>();
    await fc.assert(
      fc.asyncProperty(commands(), async ({ name, argv }) => {
        cases += 1;
        const output = recordingOutput();
        const status = await main(argv, {
          output,
          env: { PGPASSWORD: PLANTED, HOME: home },
          // health --watch would go on until Ctrl-C: the run ends it.
          signal: AbortSignal.timeout(2_000),
        });
        const stdout = output.lines
          .filter((l) => l.stream === 'stdout')
          .map((l) => l.text)
          .join('\n');
        const stderr = output.lines
          .filter((l) => l.stream === 'stderr')
          .map((l) => l.text)
          .join('\n');
        const documented = name.startsWith('health') ? [0, 1, 2, 3] : [0, 1, 2];
        expect(documented).toContain(status);
        statuses.set(name, (statuses.get(name) ?? new Set()).add(status));
        expect(`${stdout}\n${stderr}`).not.toContain(PLANTED);
        expect(`${stdout}\n${stderr}`).not.toMatch(STACK_FRAME);
        if (stderr !== '' && !(name.startsWith('health') && argv.includes('--watch')))
          checkFailureShape(stderr);
        expect(logged.join('')).not.toContain(PLANTED);
        expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
        expect(await serverState()).toBe(baseline);
      }),
      { numRuns: CLI_RUNS, endOnFailure: true },
    );
    logged.length = 0;
    vi.restoreAllMocks();
    process.stdout.write(
      `hostile CLI inputs: ${cases} generated cases; exit statuses seen: ${[...statuses].map(([n, s]) => `${n} ${[...s].sort().join('/')}`).join(', ')}\n`,
    );
    expect(cases).toBe(CLI_RUNS);
  }, 600_000);

  it(`the Lambda handlers: ${LAMBDA_RUNS} malformed events`, async () => {
    const TASK = 'arn:aws:dms:us-east-1:123456789012:task:TASK1';
    const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/source-AbCdEf';
    const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:dms-cdc-recover';
    const notFound = (operation: string) => () =>
      Promise.reject(new DmsResourceNotFoundError(operation, 'task', `no such task (${PLANTED})`));
    const dms = new Proxy({} as Dms, { get: (_, key) => notFound(String(key)) });
    sfn.reset();
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:x` });
    const logger = createLogger();
    const context = { awsRequestId: 'r-1', functionName: 'hostile' } as Context;
    const secrets = {
      getSecretString: async () => loopbackSecret(node.port, { password: PLANTED }),
    };
    const routes = JSON.stringify({
      routes: [
        {
          taskArn: TASK,
          sourceIds: ['orders-cluster'],
          source: { secretArn: SECRET_ARN, database: 'orders' },
          slotName: 'dms_slot',
        },
      ],
    });
    const handlers: Record<string, (event: unknown) => Promise<unknown>> = {
      'plan-cutover': (e) => planCutover({ logger })(e, context),
      'stop-task': (e) => stopTask({ dms, logger })(e, context),
      'describe-task': (e) => describeTask({ dms, logger })(e, context),
      'find-task': (e) => findTask({ dms, logger })(e, context),
      'poll-task': (e) => pollTask({ dms, logger })(e, context),
      notify: (e) =>
        notify({
          alerts: buildSnsAlerts(
            new SNSClient({ region: 'us-east-1' }),
            'arn:aws:sns:us-east-1:123456789012:alerts',
          ),
          logger,
        })(e, context),
      'route-recovery-event': (e) =>
        routeRecoveryEvent({
          logger,
          env: { RECOVER_STATE_MACHINE_ARN: MACHINE, RECOVERY_ROUTES: routes },
          start: buildStartOnce(new SFNClient({ region: 'us-east-1' })),
        })(e, context),
      'inspect-slot': (e) =>
        inspectSlot({ secrets, logger, env: { SOURCE_SECRET_ARN: SECRET_ARN, SOURCE_TLS: 'disable' } })(
          e,
          context,
        ),
    };
    const valid: Record<string, unknown> = {
      'plan-cutover': {
        input: {
          name: 'orders',
          source: { secretArn: SECRET_ARN, database: 'orders', sslMode: 'require' },
          slot: { name: 'dms_slot' },
          replicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:INSTANCE1',
          target: {
            endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:TARGET1',
            secretArn: SECRET_ARN,
          },
          tableMappings: { rules: [] },
        },
      },
      'stop-task': { taskArn: TASK },
      'describe-task': { taskArn: TASK },
      'find-task': { identifierPrefix: 'orders', sourceName: 'orders', slotName: 'dms_slot' },
      'poll-task': { taskArn: TASK, until: ['running'], timeoutSeconds: 60 },
      notify: {
        kind: 'failure',
        state: { plan: { sourceName: PLANTED }, error: { Cause: `failed: ${PLANTED}` } },
      },
      'route-recovery-event': {
        version: '0',
        id: '1',
        'detail-type': 'DMS Replication Task State Change',
        source: 'aws.dms',
        account: '123456789012',
        time: '2026-12-01T00:00:00Z',
        region: 'us-east-1',
        resources: [TASK],
        detail: {
          eventType: 'REPLICATION_TASK_FAILED',
          detailMessage: `Last Error ${PLANTED} Stop Reason FATAL_ERROR Error Level FATAL`,
        },
      },
      'inspect-slot': { slotName: 'pinned_slot' },
    };
    const mutate = (base: unknown): fc.Arbitrary<unknown> =>
      fc.oneof(
        fc.constant(base),
        fc.anything({ maxDepth: 2 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc
          .tuple(hostileText, fc.jsonValue({ maxDepth: 1 }))
          .map(([k, v]) => ({ ...(base as object), [k]: v })),
        fc
          .constantFrom('password', 'PGPASSWORD', 'db_password', 'secret')
          .map((k) => ({ ...(base as object), [k]: PLANTED })),
        fc
          .tuple(
            fc.constantFrom(...Object.keys(base as object)),
            fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileText),
          )
          .map(([k, v]) => ({ ...(base as object), [k]: v })),
        fc.constantFrom(...Object.keys(base as object)).map((k) => {
          const copy = { ...(base as Record<string, unknown>) };
          delete copy[k];
          return copy;
        }),
      );
    const events = fc
      .constantFrom(...Object.keys(handlers))
      .chain((name) => mutate(valid[name]).map((event) => ({ name, event })));
    let cases = 0;
    const outcomes = new Map<string, Set<string>>();
    await fc.assert(
      fc.asyncProperty(events, async ({ name, event }) => {
        cases += 1;
        const handler = handlers[name] as (event: unknown) => Promise<unknown>;
        let outcome = 'ok';
        try {
          await handler(event);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          const { name: errorName, message, stack } = error as Error;
          // Typed: a stable name ending in Error, never a bare crash.
          expect(errorName).toMatch(/^[A-Z]\w*Error$/);
          expect(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError']).not.toContain(
            errorName,
          );
          expect(`${message}\n${stack}`).not.toContain(PLANTED);
          outcome = errorName;
        }
        outcomes.set(name, (outcomes.get(name) ?? new Set()).add(outcome));
        expect(logged.join('')).not.toContain(PLANTED);
        const published = JSON.stringify(sns.commandCalls(PublishCommand).map((c) => c.args[0].input));
        expect(published).not.toContain(PLANTED);
        const started = JSON.stringify(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input));
        expect(started).not.toContain(PLANTED);
      }),
      { numRuns: LAMBDA_RUNS, endOnFailure: true },
    );
    expect(await serverState()).toBe(baseline);
    vi.restoreAllMocks();
    process.stdout.write(
      `hostile Lambda events: ${cases} generated cases; outcomes: ${[...outcomes].map(([n, s]) => `${n} ${[...s].sort().join('/')}`).join(', ')}\n`,
    );
    expect(cases).toBe(LAMBDA_RUNS);
  }, 600_000);
});
