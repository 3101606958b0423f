import { InvalidInputError } from '../errors.js';
import { describeIssue, refusePasswordKeys } from '../input-keys.js';
import { CutoverInput, type EndMode } from './input.js';

/**
 * The cutover machine's working plan: the input with every default filled in, and for each step
 * that takes a fixed payload, that payload (`calls`), so the ASL passes `$.plan.calls.X` unchanged.
 */
export interface CutoverPlan {
  readonly identifierPrefix: string;
  readonly sourceName: string;
  readonly source: { readonly secretArn: string; readonly database: string };
  readonly target: { readonly secretArn: string | null; readonly database: string | null };
  readonly slot: { readonly name: string; readonly plugin: 'test-decoding' | 'pglogical' };
  readonly replicationInstanceArn: string;
  readonly targetEndpointArn: string;
  readonly tableMappings: Record<string, unknown>;
  readonly thresholds: CutoverInput['thresholds'];
  readonly approval: CutoverInput['approval'];
  readonly end: CutoverEnd;
  readonly verify: { readonly rowCounts: boolean };
  /** Set the target's sequences after the stop (only when the task stops: a running source moves on). */
  readonly sequences: { readonly sync: boolean; readonly gap: number };
  readonly calls: {
    readonly preflight: Record<string, unknown>;
    readonly ensureSlot: Record<string, unknown>;
    readonly createSourceEndpoint: Record<string, unknown>;
    readonly testConnection: Record<string, unknown>;
    readonly createCdcTask: Record<string, unknown>;
    /** check-catch-up's thresholds for the quiet wait before the machine stops the task itself. */
    readonly quiet: { readonly thresholds: CutoverInput['thresholds'] };
  };
  readonly startedAt: string;
}

/** How the cutover ends: what the ASL branches on after catch-up and approval. */
export interface CutoverEnd {
  readonly mode: EndMode;
  /** The task ends stopped (every mode but continuous): verification is strict. */
  readonly stops: boolean;
  /** The stop position's time as an ASL timestamp (UTC), for the Wait before polling; null without one. */
  readonly stopWaitUntil: string | null;
}

/** Validates the execution input (errors name the field) and derives the plan. */
export function planCutover(raw: unknown, now: Date): CutoverPlan {
  refusePasswordKeys(raw, '');
  const parsed = CutoverInput.safeParse(raw);
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error.issues[0], '');
    throw new InvalidInputError(field, message, 'See "Cutover input" in the README for every field');
  }
  const input = parsed.data;
  if (
    (input.source.sslMode === 'verify-full' || input.source.sslMode === 'verify-ca') &&
    !input.source.certificateArn
  ) {
    throw new InvalidInputError(
      'source.certificateArn',
      `source.sslMode ${input.source.sslMode} needs the CA certificate imported into DMS`,
      'Import the RDS CA bundle with DMS ImportCertificate and pass its ARN, or set source.sslMode to "require"',
    );
  }
  const hasTarget = input.target.secretArn !== undefined;
  const end = resolveEnd(input, hasTarget);
  const common = {
    identifierPrefix: input.name,
    sourceName: input.name,
    slotName: input.slot.name,
    plugin: input.slot.plugin,
    databaseName: input.source.database,
  };
  return {
    identifierPrefix: input.name,
    sourceName: input.name,
    source: { secretArn: input.source.secretArn, database: input.source.database },
    target: {
      secretArn: input.target.secretArn ?? null,
      database: hasTarget ? (input.target.database ?? input.source.database) : null,
    },
    slot: { name: input.slot.name, plugin: input.slot.plugin },
    replicationInstanceArn: input.replicationInstanceArn,
    targetEndpointArn: input.target.endpointArn,
    tableMappings: input.tableMappings,
    thresholds: input.thresholds,
    approval: input.approval,
    end,
    verify: { rowCounts: input.verify.rowCounts && hasTarget },
    sequences: { sync: input.sequences.sync && end.stops && hasTarget, gap: input.sequences.gap },
    calls: {
      preflight: {
        sourceSecretArn: input.source.secretArn,
        database: input.source.database,
        slotName: input.slot.name,
        // EnsureSlot runs after Preflight: a slot it will create must not block the run before it.
        createSlot: input.slot.create,
        plugin: input.slot.plugin,
        tableMappings: input.tableMappings,
        // Its EngineVersion decides which source majors the task can read (server.version-supported).
        replicationInstanceArn: input.replicationInstanceArn,
      },
      ensureSlot: {
        sourceSecretArn: input.source.secretArn,
        database: input.source.database,
        slotName: input.slot.name,
        plugin: input.slot.plugin,
        allowCreate: input.slot.create,
        failover: input.slot.failover,
        timeoutSeconds: input.slot.createTimeoutSeconds,
        // pglogical replicates named tables: the slot's replication set is the mappings' scope.
        ...(input.slot.plugin === 'pglogical' && { pglogical: { tableMappings: input.tableMappings } }),
      },
      createSourceEndpoint: {
        ...common,
        sslMode: input.source.sslMode,
        ...(input.source.certificateArn && { certificateArn: input.source.certificateArn }),
        engineName: input.source.engine,
        heartbeat: input.heartbeat,
        ...(input.tags && { tags: input.tags }),
      },
      testConnection: { replicationInstanceArn: input.replicationInstanceArn },
      createCdcTask: {
        ...common,
        sourceSecretArn: input.source.secretArn,
        replicationInstanceArn: input.replicationInstanceArn,
        targetEndpointArn: input.target.endpointArn,
        tableMappings: input.tableMappings,
        ...(input.taskSettings && { taskSettings: input.taskSettings }),
        ...(input.cdcStopPosition && { cdcStopPosition: input.cdcStopPosition }),
        ...(input.tags && { tags: input.tags }),
      },
      quiet: {
        thresholds: {
          ...input.thresholds,
          consecutivePolls: input.end.quietPolls,
          catchUpTimeoutSeconds: input.end.quietTimeoutSeconds,
        },
      },
    },
    startedAt: now.toISOString(),
  };
}

/**
 * The end the input asks for, checked for combinations that could not end as asked: a stop position
 * that no stop mode would wait for, or a stopped task that nothing would verify strictly.
 */
function resolveEnd(input: CutoverInput, hasTarget: boolean): CutoverEnd {
  const position = input.cdcStopPosition;
  const mode: EndMode = input.end.mode ?? (position ? 'stop-at-position' : 'stop-when-quiet');
  if (mode === 'stop-at-position' && !position) {
    throw new InvalidInputError(
      'end.mode',
      'stop-at-position needs cdcStopPosition',
      'Give cdcStopPosition (server_time:... or commit_time:...), or choose end.mode stop-when-quiet or continuous',
    );
  }
  if (position && mode !== 'stop-at-position') {
    throw new InvalidInputError(
      'cdcStopPosition',
      `a stop position makes the task stop by itself, which end.mode ${mode} does not wait for`,
      'Remove cdcStopPosition, or set end.mode to stop-at-position',
    );
  }
  const stops = mode !== 'continuous';
  if (stops && !(hasTarget && input.verify.rowCounts)) {
    throw new InvalidInputError(
      hasTarget ? 'verify.rowCounts' : 'target.secretArn',
      `end.mode ${mode} stops the task, and a stopped cutover succeeds only after the target is verified strictly`,
      hasTarget
        ? 'Leave verify.rowCounts on, or choose end.mode continuous'
        : 'Give target.secretArn (and target.database) for the verification, or choose end.mode continuous',
    );
  }
  return {
    mode,
    stops,
    stopWaitUntil: position ? `${position.replace(/^(server_time|commit_time):/, '')}Z` : null,
  };
}
