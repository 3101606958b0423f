import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import { type SourceLambdaDeps, sourceFromSecret } from '../src/adapters/aws/source-session.js';
import { connectPg, SourceUnreachableError, withPgClient } from '../src/adapters/pg/client.js';
import { buildPgSourceDb } from '../src/adapters/pg/slots.js';
import { sqlState } from '../src/adapters/pg/sqlstate.js';
import { DmsResourceNotFoundError } from '../src/core/dms/errors.js';
import { formatLsn, isLsn, type Lsn, parseLsn } from '../src/core/lsn.js';
import { decideRecovery } from '../src/core/recovery/decide.js';
import { RecoverInput, type Timing } from '../src/core/recovery/input.js';
import {
  type ExpectedSource,
  newTaskCall,
  observeTask,
  sourceEndpointProblem,
  type TaskView,
  taskStartLsn,
  taskView,
} from '../src/core/recovery/observe.js';
import { type DecisionReport, toDecisionReport } from '../src/core/recovery/report.js';
import {
  nextSlotWait,
  nextTaskWait,
  type SlotWait,
  type TaskWait,
  taskWaitSoFar,
} from '../src/core/recovery/slot-wait.js';
import type { DecisionKind, SlotObservation } from '../src/core/recovery/types.js';
import { type SlotReport, toSlotReport } from '../src/core/slot.js';
import { type Clock, systemClock } from '../src/ports/clock.js';
import type { Dms, Endpoint, Task } from '../src/ports/dms.js';

const KINDS = [
  'NO_ACTION',
  'RESUME',
  'WAIT_FOR_SLOT',
  'WAIT_FOR_TASK',
  'NEW_TASK_FROM_SLOT',
  'DATA_GAP',
  'ESCALATE',
] as const;
/** The previous Decide output (extra keys ignored: the machine's own state, fed back): its slot position and its wait carry over. */
const Previous = z.object({
  decision: z.object({ kind: z.enum(KINDS), lsns: z.record(z.string(), z.string()).default({}) }),
  slot: z.object({ confirmedFlushLsn: z.string().nullable() }).nullable().default(null),
  slotWait: z
    .object({ since: z.iso.datetime(), polls: z.number().int().min(1), expired: z.boolean() })
    .nullable()
    .default(null),
  taskWait: z
    .object({ since: z.iso.datetime(), polls: z.number().int().min(1) })
    .nullable()
    .default(null),
});
const Input = z.strictObject({
  /** The execution input (RecoverInput); defaults are applied here and returned as `settings`. */
  input: z.unknown(),
  previous: Previous.nullable().default(null),
  /** The machine's retries on SourceUnreachableError are exhausted: decide without the slot. */
  sourceUnreachable: z.boolean().default(false),
  /** The last connection error's Cause, for the reason. */
  unreachableCause: z.string().max(32_768).optional(),
});

export interface DecideRecoveryResult {
  readonly decision: DecisionReport;
  readonly task: TaskView | null;
  /** The slot on the server the source secret names now; null when it does not exist there or was not read. */
  readonly slot: SlotReport | null;
  readonly source: {
    readonly reachable: boolean;
    readonly describe: string | null;
    readonly serverLsn: string | null;
    readonly inRecovery: boolean | null;
  };
  readonly settings: Timing & { readonly failover: boolean; readonly terminateStaleBackend: boolean };
  /** WAIT_FOR_SLOT only: the bounded wait's progress. */
  readonly slotWait: SlotWait | null;
  /** WAIT_FOR_TASK only: since when DMS has been waited for (the decision applies the bound). */
  readonly taskWait: TaskWait | null;
  /** NO_ACTION ending a WAIT_FOR_TASK: DMS restarted the task itself; the machine confirms the slot advances. */
  readonly restartedByDms: boolean;
  /** NEW_TASK_FROM_SLOT only: the create-cdc-task payload, or null with newTaskProblem saying why. */
  readonly newTask: Readonly<Record<string, unknown>> | null;
  readonly newTaskProblem: string | null;
  readonly decidedAt: string;
}
export interface DecideRecoveryDeps extends SourceLambdaDeps {
  readonly dms: Dms;
  readonly clock: Clock;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential and the task; changes nothing. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  DESCRIBE_TASKS,
  { action: 'dms:DescribeEndpoints', resource: '*', why: 'DMS DescribeEndpoints (the task source endpoint)' },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));
const dms = buildAwsDms(createDmsClient());

/**
 * Observes the task (DMS) and its slot on the server the source secret names now (after a failover: the
 * new writer), and returns the recovery decision with its reason and LSNs. A source that cannot be reached
 * throws SourceUnreachableError, so the machine's Retry backs off to its deadline; only when the input says
 * those retries are exhausted does it decide without the slot (ESCALATE). Reads only: it changes nothing.
 */
export function makeHandler(overrides: Partial<DecideRecoveryDeps> = {}) {
  const deps: DecideRecoveryDeps = {
    dms,
    secrets,
    connect: connectPg,
    clock: systemClock,
    logger,
    env: process.env,
    ...overrides,
  };
  return middy<unknown, DecideRecoveryResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const call = parseLambdaInput(Input, event);
      const input = parseLambdaInput(RecoverInput, call.input, 'input');
      const task = await describeIfExists(deps.dms, input.taskArn);
      const expected = await expectedSource(deps.dms, task, input);
      const observedTask = observeTask(task, expected);
      const source = call.sourceUnreachable ? undefined : await observeSource(deps, input);
      const previousLsn = call.previous?.slot?.confirmedFlushLsn;
      const slotObservation: SlotObservation | undefined = source && {
        ...source.observation,
        previousConfirmedFlushLsn: previousLsn && isLsn(previousLsn) ? parseLsn(previousLsn) : null,
      };
      const now = deps.clock.now();
      const previousTaskWait = call.previous && {
        kind: call.previous.decision.kind,
        wait: call.previous.taskWait,
      };
      const decision = decideRecovery({
        task: observedTask,
        slot: slotObservation,
        failoverJustHappened: input.failover,
        lastKnownGoodLsn: lastKnownGood(call.previous?.decision.lsns.checkpoint, task),
        policy: input.policy,
        taskWait: taskWaitSoFar(previousTaskWait, now, input.timing.taskWaitTimeoutSeconds),
      });
      const report = withUnreachableCause(toDecisionReport(decision), call);
      const slotWait = nextSlotWait(
        decision.kind,
        call.previous && { kind: call.previous.decision.kind as DecisionKind, wait: call.previous.slotWait },
        now,
        input.timing.slotWaitTimeoutSeconds,
      );
      const newTask =
        decision.kind === 'NEW_TASK_FROM_SLOT' && decision.lsns.startPosition !== undefined
          ? newTaskCall(input, task, decision.lsns.startPosition, expected && sourceEndpointProblem(expected))
          : null;
      deps.logger.info('recovery decided', {
        taskArn: input.taskArn,
        slotName: input.slotName,
        kind: decision.kind,
        lsns: report.lsns,
        atRisk: report.atRisk,
        source: source?.describe,
      });
      return {
        decision: report,
        task: taskView(task, observedTask),
        slot: source?.report ?? null,
        source: {
          reachable: source !== undefined,
          describe: source?.describe ?? null,
          serverLsn: source?.serverLsn ?? null,
          inRecovery: source?.observation.inRecovery ?? null,
        },
        settings: {
          ...input.timing,
          failover: input.failover,
          terminateStaleBackend: input.policy.terminateStaleBackend,
        },
        slotWait,
        taskWait: nextTaskWait(decision.kind, previousTaskWait, now),
        restartedByDms: decision.restartedByDms === true,
        newTask: newTask?.payload ?? null,
        newTaskProblem: newTask?.problem ?? null,
        decidedAt: new Date(now).toISOString(),
      };
    });
}

export const handler = makeHandler();

/** A task that no longer exists is an observation (its checkpoint went with it), not an error. */
async function describeIfExists(client: Dms, arn: string): Promise<Task | undefined> {
  try {
    return await client.describeTask(arn);
  } catch (error) {
    if (error instanceof DmsResourceNotFoundError) return undefined;
    throw error;
  }
}

/**
 * The task's source endpoint, to tell whether a resume would still read this slot; null when it no longer
 * exists, undefined when there is no task (or no endpoint ARN) to read it for.
 */
async function expectedSource(
  client: Dms,
  task: Task | undefined,
  input: RecoverInput,
): Promise<ExpectedSource | undefined> {
  if (!task?.sourceEndpointArn) return undefined;
  const endpoint = await endpointIfExists(client, task.sourceEndpointArn);
  return { slotName: input.slotName, database: input.source.database, endpoint };
}

async function endpointIfExists(client: Dms, arn: string): Promise<Endpoint | null> {
  try {
    return await client.describeEndpoint(arn);
  } catch (error) {
    if (error instanceof DmsResourceNotFoundError) return null;
    throw error;
  }
}

interface SourceObservation {
  readonly observation: Omit<SlotObservation, 'previousConfirmedFlushLsn'>;
  readonly report: SlotReport | null;
  readonly serverLsn: string;
  readonly describe: string;
}

async function observeSource(deps: DecideRecoveryDeps, input: RecoverInput): Promise<SourceObservation> {
  const source = await sourceFromSecret(deps.secrets, deps.env, {
    secretArn: input.source.secretArn,
    database: input.source.database,
    applicationName: 'dms-cdc-decide-recovery',
  });
  try {
    return await withPgClient(
      source.config,
      async (client) => {
        const db = buildPgSourceDb(client);
        const reading = await db.readSlot(input.slotName);
        const position = reading ?? (await db.readServerPosition());
        return {
          observation: {
            slot: reading?.slot,
            serverLsn: position.serverLsn,
            inRecovery: position.inRecovery,
          },
          report: reading ? toSlotReport(reading) : null,
          serverLsn: formatLsn(position.serverLsn),
          describe: source.describe,
        };
      },
      deps.connect,
    );
  } catch (error) {
    throw asUnreachable(error, source.describe);
  }
}

/**
 * A session the server ends under us (shutdown, crash, failover in progress: SQLSTATE classes 08 and 57)
 * or a socket that breaks is as transient as a refused connect: the machine retries it the same way.
 */
function asUnreachable(error: unknown, describe: string): unknown {
  if (error instanceof SourceUnreachableError) return error;
  const code = sqlState(error);
  const transient =
    code === undefined
      ? /Connection terminated|ECONNRESET|EPIPE|ETIMEDOUT|socket/i.test(String((error as Error)?.message))
      : code.startsWith('08') || code.startsWith('57');
  if (!transient) return error;
  return new SourceUnreachableError(
    `lost the session to ${describe}${code ? ` (SQLSTATE ${code})` : ''}: ${(error as Error).message}`,
    'Retry later: the server is restarting, shutting down or failing over',
  );
}

function lastKnownGood(previousCheckpoint: string | undefined, task: Task | undefined): Lsn | null {
  if (previousCheckpoint && isLsn(previousCheckpoint)) return parseLsn(previousCheckpoint);
  return taskStartLsn(task);
}

function withUnreachableCause(report: DecisionReport, call: z.output<typeof Input>): DecisionReport {
  if (!call.sourceUnreachable || !call.unreachableCause) return report;
  return { ...report, reason: `${report.reason} Last error: ${lambdaErrorMessage(call.unreachableCause)}` };
}

/** The errorMessage of a Lambda error document (the Cause of a caught Task failure), or the text itself. */
function lambdaErrorMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // free text
  }
  return cause;
}
