import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../core/errors.js';
import type { SecretStore } from '../aws/secrets.js';
import { connectionFromSecret, connectionFromUrl } from '../pg/connection.js';

/**
 * Secrets Manager for local mode: a postgres:// URL registered under a Secrets-Manager-shaped ARN,
 * served as the RDS credential JSON the Lambdas read. The same handlers then run locally unchanged.
 */
export class LocalSecretStore implements SecretStore {
  private readonly secrets = new Map<string, string>();

  /** Registers a local database and returns the ARN to pass where an AWS deployment passes a secret ARN. */
  register(name: string, url: string): string {
    const suffix = createHash('sha256')
      .update(name)
      .digest('base64url')
      .replace(/[^A-Za-z0-9]/g, 'x')
      .slice(0, 6);
    const arn = `arn:aws:secretsmanager:local:000000000000:secret:dms-cdc/${name}-${suffix}`;
    this.pointTo(arn, url);
    return arn;
  }

  /**
   * Points an existing secret at another server: what a failover does to an RDS endpoint name. The
   * ARN stays the same, so every Lambda and endpoint that reads it reaches the new writer next time.
   */
  pointTo(arn: string, url: string): void {
    const connection = connectionFromUrl(url, 'url', { allowPassword: true });
    this.secrets.set(
      arn,
      JSON.stringify({
        username: connection.user,
        // The local servers trust loopback connections; the credential format still wants a password.
        password: connection.password ?? 'local',
        host: connection.host,
        port: connection.port,
        dbname: connection.database,
      }),
    );
  }

  async getSecretString(secretId: string): Promise<string> {
    const secret = this.secrets.get(secretId);
    if (secret === undefined) {
      throw new InvalidInputError(
        'secretId',
        `no local secret ${secretId}`,
        'Register the database with LocalSecretStore.register',
      );
    }
    return secret;
  }

  /** The postgres:// URL behind a registered secret (what the local DMS engine connects to). */
  async urlOf(secretId: string): Promise<string> {
    const c = connectionFromSecret(await this.getSecretString(secretId), { tls: 'disable' });
    const auth = c.password
      ? `${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}`
      : encodeURIComponent(c.user);
    return `postgres://${auth}@${c.host}:${c.port}/${encodeURIComponent(c.database)}`;
  }
}
