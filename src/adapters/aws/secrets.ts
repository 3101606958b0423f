import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInputError } from '../../core/errors.js';

/** Reads a secret's text. The value is a credential: callers never log it or put it in an error. */
export interface SecretStore {
  getSecretString(secretId: string): Promise<string>;
}

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
