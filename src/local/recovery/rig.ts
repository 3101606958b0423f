import { LocalDms } from '../../adapters/local/dms/engine.js';
import { WalStream } from '../../adapters/local/dms/wal-stream.js';
import { LocalSecretStore } from '../../adapters/local/secret-store.js';
import { toSnsPublishFields } from '../../core/alerts/sns-message.js';
import { formatLsn, parseLsn } from '../../core/lsn.js';
import type { DecisionKind } from '../../core/recovery/types.js';
import type { AlertMessage, Alerts, Severity } from '../../ports/alerts.js';
import type { Task, TaskStatus } from '../../ports/dms.js';
import { compareTables } from '../cutover/compare.js';
import { LOCAL_REPLICATION_INSTANCE } from '../cutover/environment.js';
import { DEMO_SCHEMA_SQL } from '../demo-schema.js';
import type { PgNode, PrimaryOptions, StandbyOptions } from '../postgres/index.js';
import { readSlotOn, readSlotsOn, sleep } from '../postgres/index.js';
import type { ExecutionResult, TaskHandler } from '../stepfunctions/index.js';
import { selectionMappings } from '../table-mappings.js';
import { runLocalRecovery, statesEntered } from './run.js';

/** How scenarios get servers: tests pass the per-file helpers (removed after the file), the bench its own. */
export interface ScenarioServers {
  primary(options?: PrimaryOptions): Promise<PgNode>;
  standby(primary: PgNode, options?: StandbyOptions): Promise<PgNode>;
}

export const DEMO_TABLES = ['shop.customers', 'shop.orders'] as const;
/** ErrorBehavior of a task DMS leaves failed after a recoverable error: the recover machine acts. */
export const NO_SELF_RESTART = JSON.stringify({ ErrorBehavior: { RecoverableErrorCount: 0 } });
/** DMS's default (RecoverableErrorCount -1: DMS restarts the task itself), every second instead of every 5 s. */
export const DMS_RESTARTS_TASK = JSON.stringify({
  ErrorBehavior: { RecoverableErrorCount: -1, RecoverableErrorInterval: 1 },
});
export const SLOT = 'dms_slot';
const TABLE_MAPPINGS = JSON.stringify(selectionMappings({ name: 'shop', schema: 'shop' }));

/** An SNS topic in memory: each alert is checked exactly as SNS Publish would (toSnsPublishFields). */
export class MemoryAlerts implements Alerts {
  readonly published: { subject: string; body: string; severity: Severity; kind: string; at: number }[] = [];

  async publish(alert: AlertMessage): Promise<{ messageId: string }> {
    toSnsPublishFields(alert);
    this.published.push({
      subject: alert.subject,
      body: alert.body,
      severity: alert.attributes.severity,
      kind: alert.attributes.kind ?? '',
      at: Date.now(),
    });
    return { messageId: `local-${this.published.length}` };
  }
}

export interface RecoveryRun {
  readonly result: ExecutionResult;
  readonly states: string[];
  /** Every decision the execution made, in order. */
  readonly decisions: DecisionKind[];
  /** The first Decide output (decision report, task, slot, source). */
  readonly firstDecision: Record<string, unknown> | undefined;
  /** When the machine acted: the resume or new task start, else the final notification (epoch ms). */
  readonly actionAt: number | null;
  /** Calls of the start-task and create-cdc-task Lambdas: what the machine itself started or created. */
  readonly startCalls: number;
  readonly createCalls: number;
}

export interface RowDiff {
  /** Rows of the writer missing on the target or different there. */
  readonly lost: number;
  /** Rows only the target has (duplicates or rows the writer no longer has). */
  readonly extra: number;
  /** compareTables (the rehearsal's proof): rows by primary key on one side only or different. */
  readonly mismatches: number;
}

/**
 * One recovery rehearsal: a source (and optionally a physical standby with failover-slot sync), a target
 * with the demo schema, a slot, the local DMS engine reading the source through a Secrets-Manager-shaped
 * secret (so a failover is a repointed secret), and a running CDC task.
 */
export class RecoveryRig {
  private constructor(
    readonly source: PgNode,
    readonly target: PgNode,
    readonly standby: PgNode | undefined,
    readonly secrets: LocalSecretStore,
    readonly dms: LocalDms,
    readonly alerts: MemoryAlerts,
    readonly sourceSecretArn: string,
  ) {
    this.writer = source;
  }

  /** The server the source secret names now. */
  writer: PgNode;
  taskArn = '';

  static async create(
    servers: ScenarioServers,
    options: {
      readonly standby?: boolean;
      readonly failoverSlot?: boolean;
      readonly sourceSettings?: PrimaryOptions['settings'];
    } = {},
  ): Promise<RecoveryRig> {
    const [source, target] = await Promise.all([
      servers.primary({
        name: 'recover-src',
        ...(options.sourceSettings && { settings: options.sourceSettings }),
      }),
      servers.primary({ name: 'recover-tgt' }),
    ]);
    await Promise.all([source.query(DEMO_SCHEMA_SQL), target.query(DEMO_SCHEMA_SQL)]);
    const standby = options.standby ? await servers.standby(source, { name: 'recover-stby' }) : undefined;
    // The failover argument exists from PostgreSQL 17; without it the call runs on every major.
    if (options.failoverSlot) {
      await source.query(
        `SELECT pg_create_logical_replication_slot($1, 'test_decoding', false, false, true)`,
        [SLOT],
      );
    } else {
      await source.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [SLOT]);
    }
    const secrets = new LocalSecretStore();
    const sourceSecretArn = secrets.register('recovery-source', source.url());
    const dms = new LocalDms({ secrets });
    return new RecoveryRig(source, target, standby, secrets, dms, new MemoryAlerts(), sourceSecretArn);
  }

  /**
   * Creates the CDC task at the slot's confirmed_flush_lsn and starts it; resolves when it runs. Its
   * ReplicationTaskSettings default to a task DMS does not restart by itself (RecoverableErrorCount 0), so
   * each scenario shows the machine's own action; DMS_RESTARTS_TASK gives DMS's default behaviour.
   */
  async startTask(taskSettings: string = NO_SELF_RESTART): Promise<string> {
    const endpoint = await this.dms.createSourceEndpoint({
      identifier: 'recovery-src',
      access: {
        kind: 'secrets-manager',
        secretId: this.sourceSecretArn,
        accessRoleArn: 'arn:aws:iam::000000000000:role/local-dms-secrets-access',
      },
      databaseName: 'postgres',
      slotName: SLOT,
      pluginName: 'test-decoding',
      sslMode: 'none',
      heartbeat: { enabled: false, frequencyMinutes: 5 },
      captureDdls: false,
      tags: {},
    });
    const target = this.dms.registerTargetEndpoint('recovery-tgt', this.target.url());
    const confirmed = (await readSlotOn(this.source, SLOT))?.slot.confirmedFlushLsn ?? null;
    const task = await this.dms.createCdcTask({
      identifier: 'recovery-task',
      replicationInstanceArn: LOCAL_REPLICATION_INSTANCE,
      sourceEndpointArn: endpoint.arn,
      targetEndpointArn: target.arn,
      tableMappings: TABLE_MAPPINGS,
      taskSettings,
      cdcStartPosition: confirmed === null ? '0/0' : formatLsn(confirmed),
      cdcStopPosition: undefined,
      tags: {},
    });
    this.taskArn = task.arn;
    await this.waitForTask(['ready']);
    await this.dms.startTask(task.arn, 'start-replication');
    await this.waitForTask(['running']);
    return task.arn;
  }

  async waitForTask(until: readonly TaskStatus[], timeoutMs = 20_000, arn = this.taskArn): Promise<Task> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = await this.dms.describeTask(arn);
      if (until.includes(task.status)) return task;
      if (Date.now() > deadline) {
        throw new Error(
          `task ${task.identifier} is ${task.status}, not ${until.join('|')}, after ${timeoutMs} ms`,
        );
      }
      await sleep(25);
    }
  }

  /**
   * Waits until no walsender holds the slot. A crashed task's walsender lives on until the server notices
   * its client is gone: at once on an idle machine, seconds later on a busy one (in AWS, up to
   * wal_sender_timeout), and the recovery then rightly waits for the slot first.
   */
  async waitForSlotReleased(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await readSlotOn(this.source, SLOT))?.slot.active) {
      if (Date.now() > deadline) throw new Error(`slot ${SLOT} is still active after ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  /** Waits until the target has at least `rows` customers (the task is applying). */
  async waitForTargetRows(rows: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [row] = await this.target.query<{ n: number }>('SELECT count(*)::int AS n FROM shop.customers');
      if ((row?.n ?? 0) >= rows) return;
      await sleep(50);
    }
    throw new Error(`the target did not reach ${rows} customers in ${timeoutMs} ms`);
  }

  /** What a failover does to an RDS endpoint: the same secret now names `node`. */
  repoint(node: PgNode): void {
    this.secrets.pointTo(this.sourceSecretArn, node.url());
    this.writer = node;
  }

  /** The recover input for this rig, with short polls (the runner's timeScale shortens them further). */
  input(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const { timing, ...rest } = overrides as { timing?: Record<string, unknown> };
    return {
      taskArn: this.taskArn,
      source: { secretArn: this.sourceSecretArn, database: 'postgres' },
      slotName: SLOT,
      replacement: { identifierPrefix: 'recovery', sourceName: 'local-source' },
      timing: {
        pollSeconds: 1,
        runningTimeoutSeconds: 30,
        stopTimeoutSeconds: 30,
        slotWaitSeconds: 1,
        slotWaitTimeoutSeconds: 3,
        taskWaitSeconds: 1,
        taskWaitTimeoutSeconds: 30,
        catchUp: {
          maxLagBytes: 1024 * 1024,
          maxLatencySeconds: 30,
          consecutivePolls: 2,
          catchUpTimeoutSeconds: 30,
        },
        ...timing,
      },
      trigger: { kind: 'manual', id: 'recovery-rig' },
      ...rest,
    };
  }

  /** Runs the recover machine (the real ASL and handlers) and records its decisions and when it acted. */
  async recover(
    input: Record<string, unknown>,
    options: {
      readonly timeScale?: number;
      readonly wrap?: (name: string, h: TaskHandler) => TaskHandler;
    } = {},
  ): Promise<RecoveryRun> {
    const decided: Record<string, unknown>[] = [];
    const calls = { StartTaskFunctionArn: 0, CreateCdcTaskFunctionArn: 0 } as Record<string, number>;
    const result = await runLocalRecovery(
      { dms: this.dms, secrets: this.secrets, alerts: this.alerts },
      {
        input,
        timeScale: options.timeScale ?? 0.2,
        wrap: (name, handler) => {
          const inner = options.wrap ? options.wrap(name, handler) : handler;
          if (name in calls) return counted(inner, () => (calls[name] = (calls[name] ?? 0) + 1));
          if (name !== 'DecideRecoveryFunctionArn') return inner;
          return (async (event: unknown, context: unknown) => {
            const output = await (inner as (e: unknown, c: unknown) => Promise<Record<string, unknown>>)(
              event,
              context,
            );
            decided.push(output);
            return output;
          }) as TaskHandler;
        },
      },
    );
    return {
      result,
      states: statesEntered(result),
      decisions: decided.map((d) => (d.decision as { kind: DecisionKind }).kind),
      firstDecision: decided[0],
      actionAt: actionTime(result),
      startCalls: calls.StartTaskFunctionArn ?? 0,
      createCalls: calls.CreateCdcTaskFunctionArn ?? 0,
    };
  }

  /** Rows of the writer the target lacks (or has different), and rows only the target has. */
  async diff(): Promise<RowDiff> {
    let lost = 0;
    let extra = 0;
    for (const table of DEMO_TABLES) {
      const [a, b] = await Promise.all([rowsById(this.writer, table), rowsById(this.target, table)]);
      for (const [id, row] of a) if (b.get(id) !== row) lost += 1;
      for (const id of b.keys()) if (!a.has(id)) extra += 1;
    }
    const compared = await compareTables(this.writer, this.target, DEMO_TABLES);
    return { lost, extra, mismatches: compared.reduce((sum, t) => sum + t.mismatches, 0) };
  }

  /** Waits until the target equals the writer (or the deadline), returning the last difference. */
  async converge(timeoutMs = 15_000): Promise<RowDiff> {
    const deadline = Date.now() + timeoutMs;
    let diff = await this.diff();
    while ((diff.lost > 0 || diff.extra > 0) && Date.now() < deadline) {
      await sleep(100);
      diff = await this.diff();
    }
    return diff;
  }

  /** The slots on a server, by name. */
  async slotsOn(node: PgNode): Promise<string[]> {
    const readings = await readSlotsOn(node);
    return readings.filter((r) => r.slot.slotType === 'logical').map((r) => r.slot.slotName);
  }

  async shutdown(): Promise<void> {
    await this.dms.shutdown();
  }
}

/** A walsender streaming from the slot and confirming nothing: how a stale DMS connection looks. */
export async function holdSlot(
  node: PgNode,
  slotName: string,
  applicationName: string,
  timeoutMs = 10_000,
): Promise<{ pid: number; release(): Promise<void> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const stream = await WalStream.open(node.connectionConfig(), {
        slotName,
        startLsn: parseLsn('0/0'),
        pluginOptions: {},
        applicationName,
        onMessage: async () => undefined,
      });
      return { pid: stream.pid, release: () => stream.close() };
    } catch (error) {
      // The crashed task's own walsender may not have noticed yet that its client is gone.
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

function counted(handler: TaskHandler, count: () => void): TaskHandler {
  return (async (event: unknown, context: unknown) => {
    count();
    return (handler as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
  }) as TaskHandler;
}

const ACTIONS = ['Resume', 'StartNewTask', 'FollowDmsRestart'];
const ENDINGS = ['NotifyDataGap', 'NotifyEscalate', 'NotifyNoAction', 'NotifyFailure'];

function actionTime(result: ExecutionResult): number | null {
  const entered = result.events.filter((e) => e.type === 'StateEntered');
  const action =
    entered.find((e) => ACTIONS.includes(String(e.stateName))) ??
    entered.find((e) => ENDINGS.includes(String(e.stateName)));
  return action?.timestamp ?? null;
}

async function rowsById(node: PgNode, table: string): Promise<Map<string, string>> {
  const rows = await node.query<{ id: string; row: string }>(
    `SELECT id::text, to_jsonb(t)::text AS row FROM ${table} t`,
  );
  return new Map(rows.map((r) => [r.id, r.row]));
}
