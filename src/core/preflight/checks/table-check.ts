import type { PreflightCheck } from '../context.js';
import type { TableFact } from '../facts.js';
import type { Problem } from '../finding.js';
import { problemListing } from '../listing.js';

/**
 * A check that lists, as one problem, what `collect` adds for each selected table. A callback that
 * adds, not one that returns a list: most of 100,000 tables add nothing, and so allocate nothing.
 */
export function tableCheck(
  id: string,
  reference: string,
  collect: (table: TableFact, add: (item: string) => void) => void,
  problem: Omit<Problem, 'observed'>,
): PreflightCheck {
  return {
    id,
    reference,
    evaluate({ scope }) {
      const found: string[] = [];
      const add = (item: string) => {
        found.push(item);
      };
      for (const t of scope.tables) collect(t, add);
      return problemListing(found, problem);
    },
  };
}
