import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  classifyConnectError,
  SourceAuthenticationError,
  SourceTlsError,
  SourceUnreachableError,
  withPgClient,
} from '../../../src/adapters/pg/client.js';
import { InvalidInputError } from '../../../src/core/errors.js';

const PASSWORD = 'pw-never-in-a-message';
const CONFIG: pg.ClientConfig = {
  host: 'source.example.internal',
  port: 5433,
  database: 'orders',
  user: 'dms_user',
  password: PASSWORD,
};

function databaseError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyConnectError', () => {
  it.each([
    [
      'a rejected password (28P01)',
      databaseError('28P01', 'password authentication failed for user "dms_user"'),
      SourceAuthenticationError,
      'SourceAuthenticationError',
    ],
    [
      'no pg_hba.conf entry (28000)',
      databaseError('28000', 'no pg_hba.conf entry for host "10.0.0.1"'),
      SourceAuthenticationError,
      'SourceAuthenticationError',
    ],
    [
      'too many connections (53300)',
      databaseError('53300', 'sorry, too many clients already'),
      SourceUnreachableError,
      'SourceUnreachableError',
    ],
    [
      'a server still starting (57P03)',
      databaseError('57P03', 'the database system is starting up'),
      SourceUnreachableError,
      'SourceUnreachableError',
    ],
    [
      'a refused TCP connection',
      withCode('connect ECONNREFUSED 10.0.0.5:5433', 'ECONNREFUSED'),
      SourceUnreachableError,
      'SourceUnreachableError',
    ],
    [
      'every address refused (happy eyeballs)',
      new AggregateError([withCode('connect ECONNREFUSED ::1:5433', 'ECONNREFUSED')], 'connect failed'),
      SourceUnreachableError,
      'SourceUnreachableError',
    ],
    [
      'pg connection timeout',
      new Error('Connection terminated due to connection timeout'),
      SourceUnreachableError,
      'SourceUnreachableError',
    ],
    [
      'an untrusted certificate',
      withCode('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'),
      SourceTlsError,
      'SourceTlsError',
    ],
    [
      'a host name mismatch',
      withCode("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'),
      SourceTlsError,
      'SourceTlsError',
    ],
    [
      'a server without TLS',
      new Error('The server does not support SSL connections'),
      SourceTlsError,
      'SourceTlsError',
    ],
  ])('classifies %s', (_case, cause, type, name) => {
    const error = classifyConnectError(cause, CONFIG);

    expect(error).toBeInstanceOf(type);
    expect(error.name).toBe(name);
    expect(error.message).toContain('dms_user@source.example.internal:5433/orders');
    expect(error.cause).toBe(cause);
    expect(`${error.message}\n${JSON.stringify(error)}\n${error.stack}`).not.toContain(PASSWORD);
  });

  it('reports a missing database (3D000) as bad input naming the database', () => {
    const error = classifyConnectError(databaseError('3D000', 'database "orders" does not exist'), CONFIG);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'database' });
    expect(error.message).toContain('database "orders" does not exist');
  });
});

describe('withPgClient', () => {
  it('ends the client after use and returns what use returned', async () => {
    const events: string[] = [];
    const result = await withPgClient(
      CONFIG,
      async () => {
        events.push('use');
        return 7;
      },
      async () => ({
        query: (() => Promise.reject(new Error('unused'))) as never,
        end: async () => {
          events.push('end');
        },
      }),
    );
    expect(result).toBe(7);
    expect(events).toEqual(['use', 'end']);
  });

  it('ends the client when use fails, and a failing end does not hide the first error', async () => {
    const events: string[] = [];
    const outcome = withPgClient(
      CONFIG,
      async () => {
        events.push('use');
        throw new Error('query failed');
      },
      async () => ({
        query: (() => Promise.reject(new Error('unused'))) as never,
        end: async () => {
          events.push('end');
          throw new Error('Connection terminated');
        },
      }),
    );
    await expect(outcome).rejects.toThrow('query failed');
    expect(events).toEqual(['use', 'end']);
  });
});
