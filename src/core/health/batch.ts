import type { OpenSource } from '../../ports/health.js';
import { InvalidInputError } from '../errors.js';
import { parseWith, type ResolvedSource, resolveSource, SourceCheckInputSchema } from './config.js';
import {
  type BatchSummary,
  checkBatch,
  failureOf,
  outcomeOf,
  type SourceOutcome,
  summarizeBatch,
} from './fleet.js';
import { type HealthCheckDeps, type HealthCheckResult, runHealthCheck } from './run.js';

/**
 * One batch of the fleet (one Map iteration of statemachines/health-check.asl.json): each entry
 * validated on its own, its source checked, measured, alerted; a bad entry or a source that cannot be
 * reached fails alone, and the batch returns its counts within its deadline (fleet.ts).
 */

export interface FleetDeps extends Omit<HealthCheckDeps, 'openSource'> {
  /** Opens a source through its secret: in AWS every source of the fleet has one. */
  readonly openSource: (source: ResolvedSource, secretArn: string) => OpenSource;
  /** Told each source's result once checked (the function logs it). */
  readonly checked: (result: HealthCheckResult) => void;
}

export interface BatchLimits {
  /** Sources of the batch checked at once. */
  readonly concurrency: number;
  /** From the invocation's start; sources not finished by then are reported failed. */
  readonly deadlineMs: number;
}

/** What the machine hands one invocation: a slice of the configuration's sources and its defaults. */
export interface BatchRequest {
  readonly batch: number;
  readonly sources: readonly unknown[];
  readonly defaults?: unknown;
}

export async function checkHealthBatch(
  request: BatchRequest,
  limits: BatchLimits,
  deps: FleetDeps,
): Promise<BatchSummary> {
  const outcomes = await checkBatch(request.sources, {
    ...limits,
    clock: deps.clock,
    nameOf: entryName,
    check: (entry, index) => checkFleetSource(entry, index, request.defaults, deps),
  });
  return summarizeBatch(request.batch, outcomes);
}

/** One entry of a batch: validated with the batch's defaults, then checked like any source. */
export async function checkFleetSource(
  entry: unknown,
  index: number,
  defaults: unknown,
  deps: FleetDeps,
): Promise<SourceOutcome> {
  let source: ResolvedSource;
  try {
    const input = parseWith(SourceCheckInputSchema, { source: entry, defaults }, '');
    source = resolveSource(input.source, input.defaults);
  } catch (error) {
    return failureOf(entryName(entry, index), error);
  }
  const secretArn = source.secretArn;
  if (!secretArn) {
    const missing = new InvalidInputError('source.secretArn', `is required in AWS (source ${source.name})`);
    return failureOf(source.name, missing);
  }
  const { result } = await runHealthCheck(source, {
    ...deps,
    openSource: deps.openSource(source, secretArn),
  });
  deps.checked(result);
  return outcomeOf(result);
}

/** How a batch entry is named in a failure: its name when it has a usable one, else its position. */
export function entryName(entry: unknown, index: number): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 ? name.slice(0, 63) : `sources[${index}]`;
}
