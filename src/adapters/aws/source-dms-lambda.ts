import type { Dms } from '../../ports/dms.js';
import { defaultDms } from './dms.js';
import type { Defaults } from './lambda.js';
import { sourceDeps } from './source-middleware.js';
import type { SourceLambdaDeps } from './source-session.js';

/** A function that reads the source and calls DMS (the task it creates, polls, verifies or decides on). */
export interface SourceDmsLambdaDeps extends SourceLambdaDeps {
  readonly dms: Dms;
}

/** The production defaults of a source-and-DMS function (and of its `more`), for what the caller did not inject. */
export function sourceDmsDeps<Deps extends SourceDmsLambdaDeps>(
  overrides: Partial<Deps>,
  more: Omit<Defaults<Deps>, keyof SourceDmsLambdaDeps> = {} as Omit<
    Defaults<Deps>,
    keyof SourceDmsLambdaDeps
  >,
): Deps {
  return sourceDeps<Deps>(overrides, { dms: defaultDms, ...more } as Omit<
    Defaults<Deps>,
    keyof SourceLambdaDeps
  >);
}
