import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import {
  DESCRIBE_TASKS,
  DMS_ENDPOINT_ANY,
  DMS_INSTANCE_ANY,
  DMS_TASK_ANY,
  type IamCall,
  ORCHESTRATOR_TAG_CONTEXT,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import {
  CdcStopPosition,
  checkTableMappings,
  DatabaseName,
  EndpointArn,
  IdentifierPrefix,
  JsonDocument,
  jsonDocument,
  Lsn,
  orchestratorTags,
  Plugin,
  ReplicationInstanceArn,
  SourceName,
  slotPlugin,
  Tags,
} from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import {
  type SourceLambdaDeps,
  sourceDbPerCall,
  sourceFromSecret,
} from '../src/adapters/aws/source-session.js';
import { connectPg } from '../src/adapters/pg/client.js';
import { createCdcTaskFromSlot } from '../src/core/cdc/create-task-from-slot.js';
import { cdcTaskIdentifier } from '../src/core/dms/identifiers.js';
import { validateSlotName } from '../src/core/identifiers.js';
import { parseLsn } from '../src/core/lsn.js';
import type { Dms, TaskStatus } from '../src/ports/dms.js';

const Input = z.strictObject({
  identifierPrefix: IdentifierPrefix,
  sourceName: SourceName,
  slotName: z.string(),
  plugin: Plugin,
  databaseName: DatabaseName,
  replicationInstanceArn: ReplicationInstanceArn,
  sourceEndpointArn: EndpointArn,
  targetEndpointArn: EndpointArn,
  tableMappings: JsonDocument,
  taskSettings: JsonDocument.optional(),
  /** Explicit start; by default the slot's confirmed_flush_lsn, read just before the task is created. */
  cdcStartPosition: Lsn.optional(),
  cdcStopPosition: CdcStopPosition.optional(),
  sourceSecretArn: z.string().min(1).max(2048).optional(),
  tags: Tags.optional(),
  // The source endpoint step's output, which the cutover machine merges in (States.JsonMerge): not read.
  endpointArn: EndpointArn.optional(),
  created: z.boolean().optional(),
});

export interface CreateCdcTaskResult {
  readonly taskArn: string;
  readonly taskIdentifier: string;
  readonly created: boolean;
  readonly status: TaskStatus;
  /** The task's CdcStartPosition (on reuse: the one it was created with). */
  readonly cdcStartPosition: string;
  /** The slot as read just before creating; null when an existing task was reused. */
  readonly confirmedFlushLsn: string | null;
  readonly restartLsn: string | null;
}
export interface CreateCdcTaskDeps extends SourceLambdaDeps {
  readonly dms: Dms;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential and slot, finds the task or creates it tagged (dms-cdc-stack included). */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  DESCRIBE_TASKS,
  // CreateReplicationTask is authorised on the endpoints and the instance (no task resource yet).
  {
    action: 'dms:CreateReplicationTask',
    resource: DMS_ENDPOINT_ANY,
    context: ORCHESTRATOR_TAG_CONTEXT,
    why: 'DMS CreateReplicationTask (endpoints)',
  },
  {
    action: 'dms:CreateReplicationTask',
    resource: DMS_INSTANCE_ANY,
    context: ORCHESTRATOR_TAG_CONTEXT,
    why: 'DMS CreateReplicationTask (instance)',
  },
  {
    action: 'dms:AddTagsToResource',
    resource: DMS_TASK_ANY,
    context: ORCHESTRATOR_TAG_CONTEXT,
    why: 'DMS CreateReplicationTask with Tags',
  },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));
const dms = buildAwsDms(createDmsClient());

/**
 * Creates the CDC-only task at the slot's native start point (reference 001): the slot is read,
 * inactive, immediately before CreateReplicationTask. A re-run reuses the task it made and never moves it.
 */
export function makeHandler(overrides: Partial<CreateCdcTaskDeps> = {}) {
  const deps: CreateCdcTaskDeps = {
    dms,
    secrets,
    connect: connectPg,
    logger,
    env: process.env,
    ...overrides,
  };
  return middy<unknown, CreateCdcTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const slotName = validateSlotName(input.slotName);
      const tableMappings = jsonDocument(input.tableMappings, 'tableMappings');
      checkTableMappings(tableMappings.value);
      const taskSettings = input.taskSettings && jsonDocument(input.taskSettings, 'taskSettings').text;
      // The requested position is part of the identity; the one read from the slot cannot be (a re-run
      // reads a newer one and must still find the task the first run made).
      const identifier = cdcTaskIdentifier({
        prefix: input.identifierPrefix,
        sourceName: input.sourceName,
        slotName,
        startPosition: input.cdcStartPosition,
      });
      const source = await sourceFromSecret(deps.secrets, deps.env, {
        secretArn: input.sourceSecretArn,
        database: input.databaseName,
        applicationName: 'dms-cdc-create-cdc-task',
      });
      deps.logger.info('creating CDC task from slot', { identifier, slotName, source: source.describe });
      const result = await createCdcTaskFromSlot(
        { sourceDb: sourceDbPerCall(source.config, deps.connect), dms: deps.dms },
        {
          task: {
            identifier,
            replicationInstanceArn: input.replicationInstanceArn,
            sourceEndpointArn: input.sourceEndpointArn,
            targetEndpointArn: input.targetEndpointArn,
            tableMappings: tableMappings.text,
            taskSettings,
            cdcStopPosition: input.cdcStopPosition,
            tags: orchestratorTags(input.sourceName, slotName, input.tags, deps.env.DMS_CDC_STACK),
          },
          slotName,
          plugin: slotPlugin(input.plugin),
          database: source.connection.database,
          source: source.describe,
          requestedPosition:
            input.cdcStartPosition === undefined
              ? undefined
              : parseLsn(input.cdcStartPosition, 'cdcStartPosition'),
        },
      );
      deps.logger.info(result.created ? 'created CDC task' : 'reusing CDC task', {
        identifier,
        taskArn: result.task.arn,
        cdcStartPosition: result.cdcStartPosition,
        confirmedFlushLsn: result.confirmedFlushLsn,
      });
      return {
        taskArn: result.task.arn,
        taskIdentifier: identifier,
        created: result.created,
        status: result.task.status,
        cdcStartPosition: result.cdcStartPosition,
        confirmedFlushLsn: result.confirmedFlushLsn ?? null,
        restartLsn: result.restartLsn ?? null,
      };
    });
}

export const handler = makeHandler();
