import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { PgSession, Queryable } from '../../ports/pg-session.js';
import type { SourceDb } from '../../ports/source-db.js';
import { connectPg } from '../pg/client.js';
import { buildPgSourceDb } from '../pg/slots.js';
import { type Defaults, lambda, withDefaults } from './lambda.js';
import { sharedLogger } from './logger.js';
import { once } from './once.js';
import { defaultSecretStore } from './secrets.js';
import { type LambdaSource, type SourceLambdaDeps, sourceFromSecret } from './source-session.js';

/** Where a function's source is: the secret named in its input (else SOURCE_SECRET_ARN) and a database. */
export interface SourceLocation {
  readonly secretArn?: string;
  readonly database?: string;
}

/** Where a step whose input names the source as `sourceSecretArn` and `database` (or `databaseName`) finds it. */
export function sourceAt(input: {
  readonly sourceSecretArn?: string;
  readonly database?: string;
  readonly databaseName?: string;
}): SourceLocation {
  return { secretArn: input.sourceSecretArn, database: input.database ?? input.databaseName };
}

/** The source once its secret is read: one session, opened by the first query and closed by the middleware. */
export interface OpenSource extends LambdaSource {
  readonly client: Queryable;
  readonly db: SourceDb;
  /** A new session the caller owns and ends (slot creation needs sessions of its own). */
  connect(): Promise<PgSession>;
}

export interface SourceSession {
  /** Reads the secret; no connection is made until the first query. */
  open(at: SourceLocation): Promise<OpenSource>;
}

interface SourceContext extends Context {
  readonly source: SourceSession;
}

/** The session sourceSession put in this invocation's context. */
export function sourceOf(context: Context): SourceSession {
  const { source } = context as Partial<SourceContext>;
  if (!source) throw new Error('sourceSession middleware is not in this handler chain');
  return source;
}

/**
 * middy's rds pattern for the source: `before` puts a session in the request context, `after` and
 * `onError` close it, so no connection outlives the invocation in a frozen execution environment. The
 * handler opens it when its input says where (and only on the paths that read the source); the session
 * connects on its first query, so a step that ends early connects to nothing.
 */
export function sourceSession(
  deps: SourceLambdaDeps,
  applicationName: string,
): MiddlewareObj<unknown, unknown, Error, Context> {
  const sessions = new WeakMap<object, Closable>();
  const close = async (request: { context: Context }) => {
    await sessions.get(request.context)?.close();
  };
  return {
    before: (request) => {
      const session = newSession(deps, applicationName);
      // A context of its own: callers (the local runner, tests) may pass one object to concurrent invocations.
      const context = Object.create(request.context, { source: { value: session } }) as SourceContext;
      sessions.set(context, session);
      request.context = context;
    },
    after: close,
    onError: close,
  };
}

/** The middy chain of a function that reads the source: every function's chain, then its source session. */
export function sourceLambda<Result>(deps: SourceLambdaDeps, applicationName: string) {
  return lambda<Result>(deps.logger).use(sourceSession(deps, applicationName));
}

interface Closable extends SourceSession {
  close(): Promise<void>;
}

function newSession(deps: SourceLambdaDeps, applicationName: string): Closable {
  const opened: Promise<PgSession>[] = [];
  return {
    async open(at) {
      const source = await sourceFromSecret(deps.secrets, deps.env, { ...at, applicationName });
      const session = once(() => {
        const connecting = deps.connect(source.config);
        opened.push(connecting);
        return connecting;
      });
      // pg's query has many overloads; the adapters use (text, values), forwarded as given.
      const query = async (...args: unknown[]) =>
        ((await session()).query as (...a: unknown[]) => Promise<unknown>)(...args);
      const client = { query } as unknown as Queryable;
      return {
        ...source,
        client,
        db: buildPgSourceDb(client),
        connect: () => deps.connect(source.config),
      };
    },
    async close() {
      // A session that failed to open or that the server already dropped has nothing left to close.
      await Promise.all(opened.map((session) => session.then((s) => s.end()).catch(() => undefined)));
    },
  };
}

/** The production defaults of a function that reaches the source, for what the caller did not inject. */
export function sourceDeps<Deps extends SourceLambdaDeps>(
  overrides: Partial<Deps>,
  more: Omit<Defaults<Deps>, keyof SourceLambdaDeps> = {} as Omit<Defaults<Deps>, keyof SourceLambdaDeps>,
): Deps {
  const common: Defaults<SourceLambdaDeps> = {
    secrets: defaultSecretStore,
    connect: () => connectPg,
    logger: sharedLogger,
    env: () => process.env,
  };
  return withDefaults(overrides, { ...common, ...more } as Defaults<Deps>);
}
