import { createHash } from 'node:crypto';
import * as z from 'zod';
import { DmsArn } from '../arn-schemas.js';
import { InvalidInputError } from '../errors.js';
import { stopReasonCode } from '../stop-reason.js';
import { Replacement, SlotName, Timing } from './input.js';

/**
 * Which recoveries an AWS event starts, through configuration (docs/architecture.md, "DMS facts the code respects"):
 *
 * - `DMS Replication Task State Change` (source aws.dms): REPLICATION_TASK_FAILED, or REPLICATION_TASK_STOPPED
 *   whose detailMessage ends in Stop Reason RECOVERABLE_ERROR or FATAL_ERROR, for a task in the routes: one recovery of
 *   that task. The task ARN is the event's `resources` entry.
 * - `RDS DB Cluster Event` RDS-EVENT-0071 (cluster failover completed) and `RDS DB Instance Event`
 *   RDS-EVENT-0049 (Multi-AZ instance failover completed): one recovery, with `failover: true`, of every
 *   task whose route lists that cluster or instance (by identifier or ARN) in `sourceIds`.
 *
 * Anything else is ignored with a reason. Pure: the route-recovery-event Lambda starts the executions.
 */
export const Route = z.object({
  taskArn: DmsArn('task'),
  /** RDS DB cluster or instance identifiers (or ARNs) whose failover means this task's source moved. */
  sourceIds: z.array(z.string().min(1).max(1600)).default([]),
  source: z.object({ secretArn: z.string().min(1), database: z.string().min(1).max(63) }),
  slotName: SlotName,
  policy: z.object({ terminateStaleBackend: z.boolean().default(false) }).optional(),
  replacement: Replacement.optional(),
  timing: Timing.partial().optional(),
});
export type Route = z.output<typeof Route>;

export const Routes = z.object({ routes: z.array(Route).max(500) });

/** Parses the routes configuration (the RECOVERY_ROUTES JSON); the first problem names its path. */
export function parseRoutes(text: string | undefined): Route[] {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError('RECOVERY_ROUTES', 'is not JSON', ROUTES_REMEDY);
  }
  const parsed = Routes.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length
      ? `RECOVERY_ROUTES.${issue.path.map(String).join('.')}`
      : 'RECOVERY_ROUTES';
    throw new InvalidInputError(where, issue?.message ?? 'is invalid', ROUTES_REMEDY);
  }
  return parsed.data.routes;
}

const ROUTES_REMEDY =
  'Give {"routes": [{"taskArn": "arn:aws:dms:...:task:...", "sourceIds": ["my-cluster"], "source": {"secretArn": ' +
  '"...", "database": "app"}, "slotName": "dms_slot"}]}';

/** The EventBridge envelope, as much as routing reads. */
export interface AwsEvent {
  readonly id?: string;
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly time?: string;
  readonly resources?: readonly string[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface RecoveryStart {
  /** StartExecution name: stable for one event and task, so a redelivered event starts nothing new. */
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export type Routing =
  | { readonly starts: readonly RecoveryStart[]; readonly ignored: null }
  | { readonly starts: readonly []; readonly ignored: string };

export const DMS_TASK_STATE_CHANGE = 'DMS Replication Task State Change';
export const RDS_CLUSTER_EVENT = 'RDS DB Cluster Event';
export const RDS_INSTANCE_EVENT = 'RDS DB Instance Event';
/** Failover completed: the cluster's new writer (0071), the Multi-AZ instance's standby now primary (0049). */
export const FAILOVER_EVENT_IDS: Readonly<Record<string, string>> = {
  [RDS_CLUSTER_EVENT]: 'RDS-EVENT-0071',
  [RDS_INSTANCE_EVENT]: 'RDS-EVENT-0049',
};

export function routeRecoveryEvent(event: AwsEvent, routes: readonly Route[]): Routing {
  const type = event['detail-type'];
  if (event.source === 'aws.dms' && type === DMS_TASK_STATE_CHANGE) return fromTaskEvent(event, routes);
  if (event.source === 'aws.rds' && type !== undefined && Object.hasOwn(FAILOVER_EVENT_IDS, type)) {
    return fromFailoverEvent(event, type, routes);
  }
  return ignore(`not a DMS task state change or an RDS failover event (${event.source} ${type})`);
}

function fromTaskEvent(event: AwsEvent, routes: readonly Route[]): Routing {
  const eventType = text(event.detail?.eventType);
  const message = text(event.detail?.detailMessage) ?? '';
  // The code DMS appended, not any word of the message: "Last Error ... Stop Reason FATAL_ERROR Error Level FATAL".
  const code = stopReasonCode(message);
  const stopWorthRecovering = code === 'RECOVERABLE_ERROR' || code === 'FATAL_ERROR';
  if (
    eventType !== 'REPLICATION_TASK_FAILED' &&
    !(eventType === 'REPLICATION_TASK_STOPPED' && stopWorthRecovering)
  ) {
    return ignore(`task event ${eventType ?? '?'} (${message || 'no detailMessage'}) needs no recovery`);
  }
  const arns = event.resources ?? [];
  const matched = routes.filter((route) => arns.includes(route.taskArn));
  if (matched.length === 0) return ignore(`no route for task ${arns.join(', ') || '(no resources)'}`);
  return {
    starts: matched.map((route) =>
      start(event, route, false, { kind: 'dms-task-event', message: message || eventType }),
    ),
    ignored: null,
  };
}

function fromFailoverEvent(event: AwsEvent, type: string, routes: readonly Route[]): Routing {
  const eventId = text(event.detail?.EventID);
  if (eventId !== FAILOVER_EVENT_IDS[type])
    return ignore(`${type} ${eventId ?? '?'} is not a completed failover`);
  const identifier = text(event.detail?.SourceIdentifier);
  const names = new Set(
    [
      identifier,
      identifier?.replace(/^rds:/, ''),
      text(event.detail?.SourceArn),
      ...(event.resources ?? []),
    ].filter((name): name is string => typeof name === 'string'),
  );
  const matched = routes.filter((route) => route.sourceIds.some((id) => names.has(id)));
  if (matched.length === 0) return ignore(`no route lists ${[...names].join(' / ') || 'this source'}`);
  const message = `${eventId}: ${text(event.detail?.Message) ?? 'failover completed'}`;
  return {
    starts: matched.map((route) => start(event, route, true, { kind: 'rds-failover-event', message })),
    ignored: null,
  };
}

function start(
  event: AwsEvent,
  route: Route,
  failover: boolean,
  trigger: { kind: 'dms-task-event' | 'rds-failover-event'; message: string },
): RecoveryStart {
  const input: Record<string, unknown> = {
    taskArn: route.taskArn,
    source: route.source,
    slotName: route.slotName,
    failover,
    ...(route.policy && { policy: route.policy }),
    ...(route.replacement && { replacement: route.replacement }),
    ...(route.timing && { timing: route.timing }),
    trigger: {
      kind: trigger.kind,
      ...(event.id && { id: event.id }),
      ...(event.time && { time: event.time }),
      message: trigger.message.slice(0, 2_000),
    },
  };
  const eventKey = event.id ?? hash(JSON.stringify([event.time, event.detail]), 36);
  return { name: executionName(trigger.kind, eventKey, route.taskArn), input };
}

/** 1-80 of [A-Za-z0-9-_]: the event id (a UUID) and a hash of the task, so one event recovers a task once. */
export function executionName(kind: string, eventId: string, taskArn: string): string {
  const task = hash(taskArn, 12);
  const id = eventId.replace(/[^A-Za-z0-9-_]/g, '-').slice(0, 40);
  return `${kind === 'rds-failover-event' ? 'failover' : 'task'}-${id}-${task}`.slice(0, 80);
}

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function ignore(reason: string): Routing {
  return { starts: [], ignored: reason };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
