import * as z from 'zod';
import { sourceEndpointIdentifier } from '../../../core/dms/identifiers.js';
import type { SourceAccess, SourceEndpointSpec } from '../../../ports/dms.js';
import { parseLambdaInput } from '../lambda-input.js';
import {
  CertificateArn,
  DatabaseName,
  EndpointArn,
  IdentifierPrefix,
  orchestratorTags,
  Plugin,
  ReplicationInstanceArn,
  SourceName,
  Tags,
} from '../lambda-schemas.js';

/** test-endpoint-connection: a first call, or an earlier call's output passed back whole by the machine. */
export const TestEndpointConnectionInput = z.strictObject({
  replicationInstanceArn: ReplicationInstanceArn,
  endpointArn: EndpointArn,
  /** How long this invocation follows the test before handing the wait to the machine. */
  waitSeconds: z.number().int().min(0).max(600).default(20),
  timeoutSeconds: z.number().int().min(1).max(3600).default(600),
  /** Set by an earlier invocation (its output): continue that test. */
  startedAt: z.iso.datetime().optional(),
  // The rest of an earlier invocation's output, which the machine passes back whole.
  status: z.enum(['successful', 'testing']).optional(),
  done: z.boolean().optional(),
  // The source endpoint step's output, which the cutover machine merges in (States.JsonMerge): not read.
  sourceEndpointArn: EndpointArn.optional(),
  created: z.boolean().optional(),
});

const Schema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'must be a plain PostgreSQL schema name');

/** create-source-endpoint. Strict: a stripped unknown key is a setting silently lost (engineName once was). */
export const CreateSourceEndpointInput = z
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

const SourceAccessEnv = z.object({
  SOURCE_SECRET_ARN: z.string().min(1),
  DMS_SECRETS_ACCESS_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, 'must be an IAM role ARN'),
});

/** How DMS reaches the source in AWS: the source secret, read through the DMS access role, both from the environment. */
export function secretsManagerAccess(env: Readonly<Record<string, string | undefined>>): SourceAccess {
  const settings = parseLambdaInput(SourceAccessEnv, { ...env }, 'environment');
  return {
    kind: 'secrets-manager',
    secretId: settings.SOURCE_SECRET_ARN,
    accessRoleArn: settings.DMS_SECRETS_ACCESS_ROLE_ARN,
  };
}

/** The endpoint the input asks for, under its deterministic identifier and the orchestrator's tags. */
export function sourceEndpointSpec(
  input: z.output<typeof CreateSourceEndpointInput>,
  access: SourceAccess,
  stack: string | undefined,
): SourceEndpointSpec {
  const { identifierPrefix: prefix, sourceName, slotName } = input;
  return {
    identifier: sourceEndpointIdentifier({ prefix, sourceName, slotName }),
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
    tags: orchestratorTags(sourceName, slotName, input.tags, stack),
  };
}
