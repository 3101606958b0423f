import { InvalidInputError } from '../errors.js';
import { CutoverInput } from './input.js';

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
  readonly stopAtPosition: boolean;
  /** The stop position's time as an ASL timestamp (UTC), for the Wait before polling; null without one. */
  readonly stopWaitUntil: string | null;
  readonly verify: { readonly rowCounts: boolean };
  readonly calls: {
    readonly preflight: Record<string, unknown>;
    readonly ensureSlot: Record<string, unknown>;
    readonly createSourceEndpoint: Record<string, unknown>;
    readonly testConnection: Record<string, unknown>;
    readonly createCdcTask: Record<string, unknown>;
  };
  readonly startedAt: string;
}

/** Validates the execution input (errors name the field) and derives the plan. */
export function planCutover(raw: unknown, now: Date): CutoverPlan {
  const parsed = CutoverInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
    throw new InvalidInputError(
      field,
      issue?.message ?? 'is invalid',
      'See "Cutover input" in the README for every field',
    );
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
    stopAtPosition: input.cdcStopPosition !== undefined,
    stopWaitUntil: input.cdcStopPosition
      ? `${input.cdcStopPosition.replace(/^(server_time|commit_time):/, '')}Z`
      : null,
    verify: { rowCounts: input.verify.rowCounts && hasTarget },
    calls: {
      preflight: {
        sourceSecretArn: input.source.secretArn,
        database: input.source.database,
        slotName: input.slot.name,
        // EnsureSlot runs after Preflight: a slot it will create must not block the run before it.
        createSlot: input.slot.create,
        plugin: input.slot.plugin,
        tableMappings: input.tableMappings,
      },
      ensureSlot: {
        sourceSecretArn: input.source.secretArn,
        database: input.source.database,
        slotName: input.slot.name,
        plugin: input.slot.plugin,
        allowCreate: input.slot.create,
        failover: input.slot.failover,
        timeoutSeconds: input.slot.createTimeoutSeconds,
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
    },
    startedAt: now.toISOString(),
  };
}
