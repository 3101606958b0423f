import { describe, expect, it } from 'vitest';
import {
  databaseFromSecret,
  optionalTargetFromSecret,
  sourceAndTarget,
} from '../../../src/adapters/aws/source-session.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { failure, SECRET, SOURCE_SECRET_ARN } from './support.js';

const TARGET_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/target-AbCdEf';
const TARGET_HOST = 'target.abc123.us-east-1.rds.amazonaws.com';

/** Answers each secret with its database; records which were read, in order. */
function secretStore() {
  const read: string[] = [];
  return {
    read,
    getSecretString: async (id: string) => {
      read.push(id);
      return JSON.stringify(id === TARGET_SECRET_ARN ? { ...SECRET, host: TARGET_HOST } : SECRET);
    },
  };
}

const APP = { applicationName: 'dms-cdc-test' };

describe('databaseFromSecret: the source and the target, by role', () => {
  it.each([
    ['source', { SOURCE_SECRET_ARN, TARGET_SECRET_ARN }, SOURCE_SECRET_ARN, SECRET.host],
    ['target', { SOURCE_SECRET_ARN, TARGET_SECRET_ARN }, TARGET_SECRET_ARN, TARGET_HOST],
  ] as const)(
    'reads the %s secret its own variable names when the input names none',
    async (role, env, secret, host) => {
      const secrets = secretStore();

      const database = await databaseFromSecret(role, secrets, env, APP);

      expect(secrets.read).toEqual([secret]);
      expect(database).toMatchObject({
        secretId: secret,
        config: { host, application_name: 'dms-cdc-test' },
      });
    },
  );

  it('prefers the secret the input names, and takes each role its own TLS mode', async () => {
    const env = { SOURCE_TLS: 'require', TARGET_TLS: 'verify-full' };
    const secrets = secretStore();

    const source = await databaseFromSecret('source', secrets, env, { ...APP, secretArn: TARGET_SECRET_ARN });
    const target = await databaseFromSecret('target', secrets, env, { ...APP, secretArn: SOURCE_SECRET_ARN });

    expect(source.describe).toBe(`dms_user@${TARGET_HOST}:5432/orders (tls require)`);
    expect(target.describe).toBe(`dms_user@${SECRET.host}:5432/orders (tls verify-full)`);
  });

  it.each([
    ['source', {}, 'sourceSecretArn', 'not given and SOURCE_SECRET_ARN is not set'],
    ['target', {}, 'target.secretArn', 'not given and TARGET_SECRET_ARN is not set'],
    // CloudFormation passes an unset optional target secret as ''.
    ['target', { TARGET_SECRET_ARN: '' }, 'target.secretArn', 'not given and TARGET_SECRET_ARN is not set'],
    ['source', { SOURCE_SECRET_ARN: '' }, 'SOURCE_SECRET_ARN', ''],
    ['target', { TARGET_TLS: 'off' }, 'TARGET_TLS', ''],
  ] as const)('without a usable %s secret (%j) names the field to fix', async (role, env, field, message) => {
    const secrets = secretStore();

    const error = await failure(databaseFromSecret(role, secrets, env, APP));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field, message: expect.stringContaining(message) });
    expect(secrets.read).toEqual([]);
  });

  it('an optional target: none when neither the input nor TARGET_SECRET_ARN names one', async () => {
    const secrets = secretStore();

    expect(await optionalTargetFromSecret(secrets, { TARGET_SECRET_ARN: '' }, APP)).toBeUndefined();
    expect(await optionalTargetFromSecret(secrets, { TARGET_SECRET_ARN }, APP)).toMatchObject({
      secretId: TARGET_SECRET_ARN,
    });
  });

  it('sourceAndTarget reads the source secret first, then the target one', async () => {
    const secrets = secretStore();
    const at = {
      source: { secretArn: SOURCE_SECRET_ARN },
      target: { secretArn: TARGET_SECRET_ARN, database: 'copy' },
    };

    const { source, target } = await sourceAndTarget({ secrets, env: {} }, at, 'dms-cdc-test');

    expect(secrets.read).toEqual([SOURCE_SECRET_ARN, TARGET_SECRET_ARN]);
    expect([source.config.host, target.config.host, target.config.database]).toEqual([
      SECRET.host,
      TARGET_HOST,
      'copy',
    ]);
  });
});
