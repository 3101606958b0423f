import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import {
  DMS_ENDPOINT_ANY,
  type IamCall,
  ORCHESTRATOR_TAG_CONTEXT,
  OWN_LOGS,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import {
  CertificateArn,
  DatabaseName,
  IdentifierPrefix,
  orchestratorTags,
  Plugin,
  SourceName,
  Tags,
} from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { ensureSourceEndpoint } from '../src/core/dms/ensure.js';
import { sourceEndpointIdentifier } from '../src/core/dms/identifiers.js';
import { validateSlotName } from '../src/core/identifiers.js';
import type { Dms, PluginName, SourceAccess } from '../src/ports/dms.js';

const Schema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'must be a plain PostgreSQL schema name');
// Strict: an unknown key is an error. A stripped key is a setting silently lost (engineName once was).
const Input = z
  .strictObject({
    identifierPrefix: IdentifierPrefix,
    sourceName: SourceName,
    slotName: z.string(),
    plugin: Plugin,
    databaseName: DatabaseName,
    /** CreateEndpoint EngineName: `aurora-postgresql` for an Aurora PostgreSQL source (DMS API reference). */
    engineName: z.enum(['postgres', 'aurora-postgresql']).default('postgres'),
    /** HeartbeatEnable: on by default, so an idle database does not pin WAL behind the slot. */
    heartbeat: z
      .strictObject({
        enabled: z.boolean().default(true),
        frequencyMinutes: z.number().int().min(1).max(1440).default(5),
        schema: Schema.optional(),
      })
      .default({ enabled: true, frequencyMinutes: 5 }),
    /** CaptureDdls, DMS's own default (true): DMS creates awsdms_* artifacts that `slot cleanup` removes. */
    captureDdls: z.boolean().default(true),
    ddlArtifactsSchema: Schema.optional(),
    sslMode: z.enum(['verify-full', 'verify-ca', 'require', 'none']).default('verify-full'),
    certificateArn: CertificateArn.optional(),
    tags: Tags.optional(),
  })
  .superRefine((input, context) => {
    // verify-ca and verify-full check the server against a CA certificate imported into DMS.
    if ((input.sslMode === 'verify-full' || input.sslMode === 'verify-ca') && !input.certificateArn) {
      context.addIssue({
        code: 'custom',
        path: ['certificateArn'],
        message:
          `sslMode ${input.sslMode} needs the ARN of the CA certificate imported into DMS (ImportCertificate, ` +
          'e.g. the RDS CA bundle); pass sslMode "require" only as a documented exception',
      });
    }
  });
const Env = z.object({
  SOURCE_SECRET_ARN: z.string().min(1),
  DMS_SECRETS_ACCESS_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, 'must be an IAM role ARN'),
});

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
export interface CreateSourceEndpointDeps {
  readonly dms: Dms;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * How DMS reaches the source. Default: the source secret read through the DMS access role, both from
   * the environment. Local mode injects a postgres:// URL for the local engine.
   */
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

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const dms = buildAwsDms(createDmsClient());

/** Finds or creates the DMS source endpoint that reads the slot; a different existing one is an error. */
export function makeHandler(overrides: Partial<CreateSourceEndpointDeps> = {}) {
  const deps: CreateSourceEndpointDeps = { dms, logger, env: process.env, ...overrides };
  return middy<unknown, CreateSourceEndpointResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const slotName = validateSlotName(input.slotName);
      const access = deps.sourceAccess ?? secretsManagerAccess(deps.env);
      const identifier = sourceEndpointIdentifier({
        prefix: input.identifierPrefix,
        sourceName: input.sourceName,
        slotName,
      });
      if (input.sslMode === 'none') deps.logger.warn('source endpoint without TLS', { identifier });
      deps.logger.info('ensuring source endpoint', {
        identifier,
        slotName,
        plugin: input.plugin,
        engineName: input.engineName,
      });
      const { endpoint, created } = await ensureSourceEndpoint(deps.dms, {
        identifier,
        access,
        databaseName: input.databaseName,
        engineName: input.engineName,
        slotName,
        pluginName: input.plugin,
        sslMode: input.sslMode,
        certificateArn: input.certificateArn,
        heartbeat: input.heartbeat,
        captureDdls: input.captureDdls,
        ddlArtifactsSchema: input.ddlArtifactsSchema,
        tags: orchestratorTags(input.sourceName, slotName, input.tags, deps.env.DMS_CDC_STACK),
      });
      deps.logger.info(created ? 'created source endpoint' : 'reusing source endpoint', {
        identifier,
        endpointArn: endpoint.arn,
      });
      return {
        endpointArn: endpoint.arn,
        endpointIdentifier: identifier,
        created,
        status: endpoint.status ?? null,
        sourceName: input.sourceName,
        slotName,
        plugin: input.plugin,
        databaseName: input.databaseName,
      };
    });
}

function secretsManagerAccess(env: Readonly<Record<string, string | undefined>>): SourceAccess {
  const settings = parseLambdaInput(Env, { ...env }, 'environment');
  return {
    kind: 'secrets-manager',
    secretId: settings.SOURCE_SECRET_ARN,
    accessRoleArn: settings.DMS_SECRETS_ACCESS_ROLE_ARN,
  };
}

export const handler = makeHandler();
