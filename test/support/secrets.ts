/**
 * The SecretString of an RDS-style database secret for a loopback server, user postgres: password x
 * and database postgres unless a test plants its own.
 */
export function loopbackSecret(port: number, fields: { password?: string; dbname?: string } = {}): string {
  return JSON.stringify({
    username: 'postgres',
    password: fields.password ?? 'x',
    host: '127.0.0.1',
    port,
    dbname: fields.dbname ?? 'postgres',
  });
}
