/**
 * The one redactor every sink goes through (CLI output, the Lambdas' logger, SNS messages, the
 * error a Lambda returns): it removes the secret values this process has seen and credentials
 * written into text (a URL's password, a conninfo `password=`, a JSON `"password": "..."`).
 *
 * Secrets are registered where they enter the process (PGPASSWORD, a password file, a Secrets
 * Manager credential); a value shorter than MIN_SECRET_LENGTH is not scrubbed as free text (it
 * would erase ordinary words), only where it stands as a credential.
 */
export const REDACTED = '***';
export const MIN_SECRET_LENGTH = 6;

const secrets = new Set<string>();

/** Remembers a secret value so that no sink shows it again. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) secrets.add(json);
}

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  secrets.clear();
}

// scheme://user:password@  (the password is whatever stands between the first ':' and the '@')
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s@/]*@/gi;
// libpq keyword/value conninfo: password=secret or password='se cret'
const CONNINFO_PASSWORD = /(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)/gi;
// "password": "...", "secret": "...", as JSON or JSON-in-a-string (escaped quotes)
const JSON_PASSWORD =
  /((?:\\?")[A-Za-z_-]*(?:password|passwd|secret|pwd)(?:\\?")\s*:\s*)(\\?")(?:(?!\2).)*?\2/gi;

/** The text with every registered secret and every written-out credential replaced by ***. */
export function redactText(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(URL_CREDENTIALS, `$1:${REDACTED}@`)
    .replace(CONNINFO_PASSWORD, `$1${REDACTED}`)
    .replace(JSON_PASSWORD, `$1$2${REDACTED}$2`);
}

/** A copy of a JSON-like value with every string redacted, and the string of a credential key (password, secret) replaced. */
export function redactValue<T>(value: T): T {
  return redactAny(value, []) as T;
}

// Keys whose string value is a credential: password, PGPASSWORD, db_password, secret (not secretArn).
const SECRET_KEY = /^(?:.*[-_]|pg)?(?:password|passwd|pwd|secret)$/i;

function redactAny(value: unknown, ancestors: object[]): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null || value instanceof Error) return value;
  // What JSON.stringify would print (a Date's ISO text), redacted the same way.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return redactAny(toJSON.call(value), ancestors);
  if (ancestors.includes(value)) return undefined;
  const inner = [...ancestors, value];
  if (Array.isArray(value)) return value.map((v) => redactAny(v, inner));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      redactText(k),
      SECRET_KEY.test(k) && typeof v === 'string' ? REDACTED : redactAny(v, inner),
    ]),
  );
}

/** An error with its message (and its causes' messages) redacted in place; returns it. */
export function redactError<E>(error: E): E {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const redacted = redactText(current.message);
    if (redacted !== current.message) {
      Object.defineProperty(current, 'message', { value: redacted, writable: true, configurable: true });
    }
    if (typeof current.stack === 'string') {
      Object.defineProperty(current, 'stack', {
        value: redactText(current.stack),
        writable: true,
        configurable: true,
      });
    }
    current = current.cause;
  }
  return error;
}
