import type { PreflightGatherers } from '../../../core/preflight/run.js';
import type { Queryable } from '../queryable.js';
import { gatherSourceFacts } from './source-facts.js';
import { gatherTargetFacts } from './target-facts.js';

export interface PreflightConnection {
  readonly db: Queryable;
  /** What reports may show: describeConnection(...), never a password. */
  readonly describe: string;
}

/** The preflight's gatherers over open pg connections (the caller opens and closes them). */
export function pgPreflightGatherers(
  source: PreflightConnection,
  target?: PreflightConnection,
): PreflightGatherers {
  return {
    describeSource: source.describe,
    source: () => gatherSourceFacts(source.db),
    target: target
      ? { describe: target.describe, gather: (tables) => gatherTargetFacts(target.db, tables) }
      : undefined,
  };
}
