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
  CreateCdcTaskInput,
  type CreateCdcTaskResult,
  cdcTaskIdentifierOf,
  cdcTaskRequest,
  cdcTaskResult,
} from '../src/adapters/aws/payloads/cdc-task.js';
import { type SourceDmsLambdaDeps, sourceDmsDeps } from '../src/adapters/aws/source-dms-lambda.js';
import { sourceAt, sourceLambda, sourceOf } from '../src/adapters/aws/source-middleware.js';
import { createCdcTaskFromSlot } from '../src/core/cdc/create-task-from-slot.js';
import { validateSlotName } from '../src/core/identifiers.js';

export type { CreateCdcTaskResult } from '../src/adapters/aws/payloads/cdc-task.js';
export type CreateCdcTaskDeps = SourceDmsLambdaDeps;

// CreateReplicationTask is authorised on the endpoints and the instance (no task resource yet).
const CREATE = { action: 'dms:CreateReplicationTask', context: ORCHESTRATOR_TAG_CONTEXT } as const;
/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential and slot, finds the task or creates it tagged (dms-cdc-stack included). */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  DESCRIBE_TASKS,
  { ...CREATE, resource: DMS_ENDPOINT_ANY, why: 'DMS CreateReplicationTask (endpoints)' },
  { ...CREATE, resource: DMS_INSTANCE_ANY, why: 'DMS CreateReplicationTask (instance)' },
  {
    action: 'dms:AddTagsToResource',
    resource: DMS_TASK_ANY,
    context: ORCHESTRATOR_TAG_CONTEXT,
    why: 'DMS CreateReplicationTask with Tags',
  },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

/**
 * Creates the CDC-only task at the slot's native start point: the slot is read, inactive, immediately
 * before CreateReplicationTask. A re-run reuses the task it made and never moves it.
 */
export function makeHandler(overrides: Partial<CreateCdcTaskDeps> = {}) {
  const deps = sourceDmsDeps<CreateCdcTaskDeps>(overrides);
  return sourceLambda<CreateCdcTaskResult>(deps, 'dms-cdc-create-cdc-task').handler(
    async (event, context) => {
      const input = parseLambdaInput(CreateCdcTaskInput, event);
      const slotName = validateSlotName(input.slotName);
      const identifier = cdcTaskIdentifierOf(input, slotName);
      const request = cdcTaskRequest(input, identifier, slotName, deps.env.DMS_CDC_STACK);
      const source = await sourceOf(context).open(sourceAt(input));
      const where = { database: source.connection.database, source: source.describe };
      deps.logger.info('creating CDC task from slot', { identifier, slotName, source: source.describe });
      const result = cdcTaskResult(
        identifier,
        await createCdcTaskFromSlot({ ...deps, sourceDb: source.db }, { ...request, ...where }),
      );
      const { taskArn, cdcStartPosition, confirmedFlushLsn } = result;
      const message = result.created ? 'created CDC task' : 'reusing CDC task';
      deps.logger.info(message, { identifier, taskArn, cdcStartPosition, confirmedFlushLsn });
      return result;
    },
  );
}

export const handler = makeHandler();
