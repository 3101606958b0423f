import { ALL_CHECKS } from './checks/index.js';
import { buildContext, type PreflightOptions } from './context.js';
import type { SourceFacts, TargetFacts } from './facts.js';
import { buildReport, type PreflightReport } from './report.js';
import { evaluateChecks } from './runner.js';

/** Facts and the number of SQL round trips they took. */
export interface Gathered<T> {
  readonly facts: T;
  readonly roundTrips: number;
}

/** The side effects the preflight needs, injected: the pg adapters in src/adapters/pg/preflight. */
export interface PreflightGatherers {
  readonly describeSource: string;
  source(): Promise<Gathered<SourceFacts>>;
  readonly target?: {
    readonly describe: string;
    /** Facts about the target for the tables the task selects (schema and name as on the source). */
    gather(tables: readonly { schema: string; name: string }[]): Promise<Gathered<TargetFacts>>;
  };
}

/**
 * Gathers the source facts, works out the scope, gathers the target facts for that scope, then
 * evaluates every check. Only gathering can fail (unreachable, denied); a failed prerequisite is a
 * finding in the report.
 */
export async function runPreflight(
  gather: PreflightGatherers,
  options: PreflightOptions = {},
): Promise<PreflightReport> {
  const source = await gather.source();
  const sourceOnly = buildContext(source.facts, options, undefined);
  const target = gather.target
    ? await gather.target.gather(sourceOnly.scope.tables.map((t) => ({ schema: t.schema, name: t.name })))
    : undefined;
  const context = target ? buildContext(source.facts, options, target.facts) : sourceOnly;
  const findings = evaluateChecks(context, ALL_CHECKS);
  return buildReport(context, findings, {
    connection: gather.describeSource,
    target: gather.target?.describe ?? null,
    roundTrips: source.roundTrips + (target?.roundTrips ?? 0),
    checks: ALL_CHECKS.length,
  });
}
