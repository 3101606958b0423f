import { defaultDms } from '../src/adapters/aws/dms.js';
import {
  DMS_ENDPOINT_ANY,
  type IamCall,
  ORCHESTRATOR_TAG_CONTEXT,
  OWN_LOGS,
} from '../src/adapters/aws/iam-calls.js';
import { type DmsLambdaDeps, lambda, withDefaults } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { sharedLogger } from '../src/adapters/aws/logger.js';
import {
  CreateSourceEndpointInput,
  secretsManagerAccess,
  sourceEndpointSpec,
} from '../src/adapters/aws/payloads/endpoint.js';
import { ensureSourceEndpoint } from '../src/core/dms/ensure.js';
import { validateSlotName } from '../src/core/identifiers.js';
import type { PluginName, SourceAccess } from '../src/ports/dms.js';

export interface CreateSourceEndpointResult {
  readonly endpointArn: string;
  readonly endpointIdentifier: string;
  readonly created: boolean;
  readonly status: string | null;
  readonly sourceName: string;
  readonly slotName: string;
  readonly plugin: PluginName;
  readonly databaseName: string;
}
export interface CreateSourceEndpointDeps extends DmsLambdaDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How DMS reaches the source; by default secretsManagerAccess. Local mode injects a URL for the local engine. */
  readonly sourceAccess?: SourceAccess;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Finds or creates the tagged source endpoint, passing the DMS secrets access role to DMS. */
export const IAM_CALLS: readonly IamCall[] = [
  { action: 'dms:DescribeEndpoints', resource: '*', why: 'DMS DescribeEndpoints (find by identifier)' },
  {
    action: 'dms:CreateEndpoint',
    resource: DMS_ENDPOINT_ANY,
    context: ORCHESTRATOR_TAG_CONTEXT,
    why: 'DMS CreateEndpoint',
  },
  {
    action: 'dms:CreateEndpoint',
    resource: 'arn:{Partition}:dms:{Region}:{Account}:cert:*',
    context: ORCHESTRATOR_TAG_CONTEXT,
    why: 'DMS CreateEndpoint with a CertificateArn',
  },
  {
    action: 'dms:AddTagsToResource',
    resource: DMS_ENDPOINT_ANY,
    context: ORCHESTRATOR_TAG_CONTEXT,
    why: 'DMS CreateEndpoint with Tags',
  },
  {
    action: 'iam:PassRole',
    resource: '{DmsSecretsAccessRoleArn}',
    context: { 'iam:PassedToService': 'dms.amazonaws.com' },
    why: 'DMS CreateEndpoint with SecretsManagerAccessRoleArn',
  },
  ...OWN_LOGS,
];

/** Finds or creates the DMS source endpoint that reads the slot; a different existing one is an error. */
export function makeHandler(overrides: Partial<CreateSourceEndpointDeps> = {}) {
  const defaults = {
    dms: defaultDms,
    logger: sharedLogger,
    env: () => process.env,
    sourceAccess: () => undefined,
  };
  const deps = withDefaults(overrides, defaults);
  return lambda<CreateSourceEndpointResult>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(CreateSourceEndpointInput, event);
    const slotName = validateSlotName(input.slotName);
    const access = deps.sourceAccess ?? secretsManagerAccess(deps.env);
    const spec = sourceEndpointSpec({ ...input, slotName }, access, deps.env.DMS_CDC_STACK);
    const { identifier } = spec;
    if (input.sslMode === 'none') deps.logger.warn('source endpoint without TLS', { identifier });
    const { plugin, engineName, sourceName, databaseName } = input;
    deps.logger.info('ensuring source endpoint', { identifier, slotName, plugin, engineName });
    const { endpoint, created } = await ensureSourceEndpoint(deps.dms, spec);
    const endpointArn = endpoint.arn;
    deps.logger.info(created ? 'created source endpoint' : 'reusing source endpoint', {
      identifier,
      endpointArn,
    });
    const status = endpoint.status ?? null;
    const names = { sourceName, slotName, plugin, databaseName };
    return { endpointArn, endpointIdentifier: identifier, created, status, ...names };
  });
}

export const handler = makeHandler();
