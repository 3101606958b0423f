/** Reads a secret's text. The value is a credential: callers never log it or put it in an error. */
export interface SecretStore {
  getSecretString(secretId: string): Promise<string>;
}
