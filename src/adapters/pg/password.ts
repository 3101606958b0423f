import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where a password was looked for, so a missing one can be reported with where to put it. */
export interface PasswordLookup {
  readonly password: string | undefined;
  /** Set when a password file exists but was ignored (group or world can read it, as libpq ignores it). */
  readonly ignoredFile?: string;
  /** The password file that was read (or would have been), for the remedy. */
  readonly passFile: string | undefined;
}

export interface PasswordTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** File access, injectable so tests need not touch the home directory. */
export interface PassFileReader {
  read(file: string): string | undefined;
  /** The file's permission bits, or undefined when it does not exist. */
  mode(file: string): number | undefined;
}

const fsReader: PassFileReader = {
  read: (file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  mode: (file) => {
    try {
      const stat = statSync(file);
      return stat.isFile() ? stat.mode & 0o777 : undefined;
    } catch {
      return undefined;
    }
  },
};

/**
 * libpq's password conventions, in libpq's order: `PGPASSWORD`, then the password file
 * (`PGPASSFILE`, else `~/.pgpass`) whose first line matching host:port:database:user wins
 * (`*` matches anything, `\:` and `\\` escape). Like libpq, a file that group or others can read
 * is ignored on POSIX systems. Source and target can have different passwords through the file.
 */
export function lookupPassword(
  target: PasswordTarget,
  env: NodeJS.ProcessEnv,
  reader: PassFileReader = fsReader,
): PasswordLookup {
  const home = env.HOME ?? os.homedir();
  const passFile = env.PGPASSFILE || (home ? path.join(home, '.pgpass') : undefined);
  if (env.PGPASSWORD !== undefined && env.PGPASSWORD !== '') {
    return { password: env.PGPASSWORD, passFile };
  }
  if (passFile === undefined) return { password: undefined, passFile };
  const mode = reader.mode(passFile);
  if (mode === undefined) return { password: undefined, passFile };
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    return { password: undefined, passFile, ignoredFile: passFile };
  }
  const text = reader.read(passFile);
  return { password: text === undefined ? undefined : matchPassFile(text, target), passFile };
}

/** The password of the first line of a .pgpass text that matches the target, if any. */
export function matchPassFile(text: string, target: PasswordTarget): string | undefined {
  const wanted = [target.host, String(target.port), target.database, target.user];
  for (const raw of text.split(/\r?\n/)) {
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = splitPassLine(raw);
    if (fields.length < 5) continue;
    const matches = wanted.every((value, i) => {
      const field = fields[i];
      // libpq: "localhost" in the file also matches a connection to the default socket; TCP here.
      return field === '*' || field === value;
    });
    if (matches) return fields.slice(4).join(':');
  }
  return undefined;
}

function splitPassLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      current += line[i + 1];
      i++;
    } else if (c === ':' && fields.length < 4) {
      fields.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  fields.push(current);
  return fields;
}
