import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInputError } from '../../core/errors.js';
import type { SecretStore } from '../../ports/secret-store.js';
import { once } from './once.js';

export type { SecretStore } from '../../ports/secret-store.js';

/**
 * A SecretStore over AWS Secrets Manager (GetSecretValue, current version).
 * SDK errors pass through unchanged: their names (ResourceNotFoundException, AccessDeniedException,
 * DecryptionFailure, ...) are stable for Step Functions Catch clauses and carry no secret value.
 */
export function buildSecretsManagerStore(client: SecretsManagerClient): SecretStore {
  return {
    async getSecretString(secretId) {
      const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (typeof output.SecretString !== 'string') {
        throw new InvalidInputError(
          'sourceSecret',
          `secret ${secretId} has no SecretString (binary secrets are not supported)`,
          'Store the source credential as a JSON SecretString with username, password, host, port and dbname',
        );
      }
      return output.SecretString;
    },
  };
}

/** The functions' store, built on first use and kept for the execution environment's life. */
export const defaultSecretStore = once(() => buildSecretsManagerStore(new SecretsManagerClient({})));
