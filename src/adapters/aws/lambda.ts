import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Dms } from '../../ports/dms.js';
import { systemClock } from '../system-clock.js';
import { remedyInMessage } from './remedy-in-message.js';

/**
 * Every function's middy chain: the logger carries the invocation's Lambda context (keys reset each
 * time), and a failure's message carries its remedy and is redacted. remedyInMessage comes second so
 * that its onError runs first (middy runs them in reverse) and the logger sees the final message.
 */
export function lambda<Result, C extends Context = Context>(logger: Logger) {
  return middy<unknown, Result, Error, C>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(remedyInMessage());
}

/** Builds each production default only for a dependency the caller did not inject. */
export type Defaults<Deps> = { readonly [K in keyof Deps]-?: () => Deps[K] };

export function withDefaults<Deps extends object>(overrides: Partial<Deps>, defaults: Defaults<Deps>): Deps {
  const deps = { ...overrides } as Record<string, unknown>;
  for (const [key, make] of Object.entries(defaults) as [string, () => unknown][]) {
    if (deps[key] === undefined) deps[key] = make();
  }
  return deps as Deps;
}

/** What every function is given: the logger (tests and local mode inject their own). */
export interface LambdaDeps {
  readonly logger: Logger;
}

export interface DmsLambdaDeps extends LambdaDeps {
  readonly dms: Dms;
}

/** The real clock, as a default of withDefaults. */
export const defaultClock = () => systemClock;
