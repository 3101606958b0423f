import { describe, expect, it } from 'vitest';
import { lookupPassword, matchPassFile, type PassFileReader } from '../../src/adapters/pg/password.js';

const TARGET = { host: 'db.internal', port: 5432, database: 'orders', user: 'dms' };

function reader(files: Record<string, { text: string; mode: number }>): PassFileReader {
  return { read: (f) => files[f]?.text, mode: (f) => files[f]?.mode };
}

describe('password lookup (libpq conventions)', () => {
  it('matches the first line for host:port:database:user, with * and escapes', () => {
    const text = [
      '# a comment',
      'db.internal:5432:orders:other:nope',
      'db.internal:5432:*:dms:pa\\:ss\\\\word:tail',
      '*:*:*:*:fallback',
    ].join('\n');
    expect(matchPassFile(text, TARGET)).toBe('pa:ss\\word:tail');
    expect(matchPassFile(text, { ...TARGET, user: 'x' })).toBe('fallback');
    expect(matchPassFile('db.internal:5433:orders:dms:p', TARGET)).toBeUndefined();
  });

  it('prefers PGPASSWORD, then PGPASSFILE, then ~/.pgpass', () => {
    const files = reader({
      '/custom': { text: '*:*:*:*:from-passfile', mode: 0o600 },
      '/home/u/.pgpass': { text: '*:*:*:*:from-home', mode: 0o600 },
    });
    expect(lookupPassword(TARGET, { PGPASSWORD: 'env', HOME: '/home/u' }, files).password).toBe('env');
    expect(lookupPassword(TARGET, { PGPASSFILE: '/custom', HOME: '/home/u' }, files).password).toBe(
      'from-passfile',
    );
    expect(lookupPassword(TARGET, { HOME: '/home/u' }, files).password).toBe('from-home');
  });

  it('ignores a file group or others can read, and says which', () => {
    const files = reader({ '/home/u/.pgpass': { text: '*:*:*:*:x', mode: 0o640 } });
    expect(lookupPassword(TARGET, { HOME: '/home/u' }, files)).toEqual({
      password: undefined,
      passFile: '/home/u/.pgpass',
      ignoredFile: '/home/u/.pgpass',
    });
  });
});
