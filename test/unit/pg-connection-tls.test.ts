import { describe, expect, it } from 'vitest';
import { connectionFromSecret, connectionFromUrl, isLoopback } from '../../src/adapters/pg/connection.js';
import { InvalidInputError } from '../../src/core/errors.js';

/** sslmode=disable only for loopback addresses and localhost, on the parsed host. */
describe('TLS may be disabled only for a loopback host, decided before any lookup', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '127.0.0.53',
    'localhost',
    'LocalHost',
    '[::1]',
    '[0:0:0:0:0:0:0:1]',
  ])('%s is loopback: sslmode=disable accepted, and the default', (host) => {
    const url = `postgres://dms@${host}:5432/db`;
    expect(connectionFromUrl(`${url}?sslmode=disable`, '--source').tls).toBe('disable');
    expect(connectionFromUrl(url, '--source').tls).toBe('disable');
  });

  it.each([
    '127.0.0.1.example.com',
    '127.evil.example',
    'localhost.example.com',
    'localhost.',
    'mylocalhost',
    '127.1',
    '0x7f.0.0.1',
    '128.0.0.1',
    '10.0.0.1',
    '[::2]',
    '[fe80::1]',
  ])('%s is not loopback: sslmode=disable refused, verify-full by default', (host) => {
    const url = `postgres://dms@${host}:5432/db`;
    expect(() => connectionFromUrl(`${url}?sslmode=disable`, '--source')).toThrow(InvalidInputError);
    expect(() => connectionFromUrl(`${url}?sslmode=disable`, '--source')).toThrow(
      /TLS cannot be disabled .*only loopback servers/,
    );
    expect(connectionFromUrl(url, '--source').tls).toBe('verify-full');
  });

  it('applies the same rule to a secret host', () => {
    const secret = (host: string) =>
      JSON.stringify({ username: 'u', password: 'p', host, port: 5432, dbname: 'd' });
    expect(connectionFromSecret(secret('127.0.0.1'), { tls: 'disable' }).tls).toBe('disable');
    expect(() => connectionFromSecret(secret('127.0.0.1.nip.io'), { tls: 'disable' })).toThrow(
      /TLS cannot be disabled/,
    );
  });

  it('hands pg the bare IPv6 address', () => {
    expect(connectionFromUrl('postgres://dms@[::1]:5433/db').host).toBe('::1');
    expect(isLoopback('::1')).toBe(true);
  });
});
