import * as z from 'zod';
import type { AlertLevel } from '../../ports/alert-state.js';
import type { Clock } from '../../ports/clock.js';
import { redactText } from '../redact.js';
import { describeError } from './check.js';
import type { HealthCheckResult } from './run.js';

/**
 * One schedule, many sources: how statemachines/health-check.asl.json spreads a fleet over Lambda
 * invocations so that 1,000 sources are checked inside the one-minute interval, and what travels in
 * the execution's state (counts and a bounded list of failures, never per-source results: those go
 * to SNS, the metrics and the alert-state store).
 *
 * Sizing, for MAX_SOURCES with 50 of them unreachable:
 * - the machine cuts the source list into batches of BATCH_SIZE (States.ArrayPartition) and its
 *   inline Map runs MAP_CONCURRENCY batches at once (40 is the inline Map's ceiling), so 1,000
 *   sources are 40 batches in one wave;
 * - an invocation checks its batch DEFAULT_BATCH_CONCURRENCY sources at a time: ceil(25 / 10) = 3
 *   rounds. A reachable source takes well under a second; an unreachable one at most the connect
 *   timeout (DEFAULT_SOURCE_TIMEOUT_SECONDS, 5 s). The worst placement of 50 unreachable sources is
 *   two batches of 25: 3 rounds x 5 s = 15 s, against a 60 s interval;
 * - a source that answers but hangs is bounded by statement_timeout (the same 5 s per statement);
 *   whatever is still running at BATCH_DEADLINE_MS is reported failed and the invocation returns,
 *   so an invocation ends before its Lambda timeout and the execution before the next schedule.
 */
export const MAX_SOURCES = 1000;
/** The chunk size of States.ArrayPartition in the machine (a test holds them equal). */
export const BATCH_SIZE = 25;
/** The machine's Map MaxConcurrency: the inline Map's documented maximum. */
export const MAP_CONCURRENCY = 40;
export const DEFAULT_BATCH_CONCURRENCY = 10;
export const DEFAULT_SOURCE_TIMEOUT_SECONDS = 5;
/** After this long an invocation stops waiting for its batch (the Lambda timeout is 50 s). */
export const BATCH_DEADLINE_MS = 45_000;
/** Failures listed per batch and per run; the rest are only counted (failuresOmitted). */
export const FAILURES_PER_BATCH = 5;
export const FAILURES_PER_RUN = 20;
const CAUSE_LENGTH = 160;

/** How one source's check ended, as the run counts it. */
export type SourceOutcome =
  | { readonly source: string; readonly level: AlertLevel }
  | ({ readonly source: string; readonly level: 'FAILED' } & FailureFacts);

interface FailureFacts {
  /** The error's name (SourceUnreachableError, InvalidInputError, ...). */
  readonly error: string;
  /** Its message, redacted and cut to a line. */
  readonly cause: string;
}

export interface SourceFailure extends FailureFacts {
  readonly source: string;
}

interface Counts {
  readonly ok: number;
  readonly warning: number;
  readonly critical: number;
  readonly failed: number;
}

/** What one invocation returns for its batch: the Map collects one per batch. */
export interface BatchSummary extends Counts {
  readonly batch: number;
  readonly sources: number;
  readonly failures: readonly SourceFailure[];
  readonly failuresOmitted: number;
  /** Set when the whole invocation failed (by the machine's Catch): every source of it counts failed. */
  readonly error?: string;
}

/** The execution's output. */
export interface RunSummary extends Counts {
  readonly sources: number;
  readonly batches: number;
  readonly failures: readonly SourceFailure[];
  readonly failuresOmitted: number;
}

/** A failure as it may travel: the error's name and its first line, redacted and bounded. */
export function failureOf(source: string, error: unknown): SourceOutcome {
  const described = describeError(error);
  const name = error instanceof Error ? error.name : 'Error';
  const prefix = `${name}: `;
  const message = described.startsWith(prefix) ? described.slice(prefix.length) : described;
  // The name too: an entry that failed validation may hold anything.
  return { source: shortCause(source), level: 'FAILED', error: name, cause: shortCause(message) };
}

export function shortCause(text: string): string {
  const line = redactText(text).replace(/\s+/g, ' ').trim();
  return line.length <= CAUSE_LENGTH ? line : `${line.slice(0, CAUSE_LENGTH - 1)}…`;
}

export function summarizeBatch(batch: number, outcomes: readonly SourceOutcome[]): BatchSummary {
  const failures = outcomes.flatMap((o) =>
    o.level === 'FAILED' ? [{ source: o.source, error: o.error, cause: o.cause }] : [],
  );
  return {
    batch,
    sources: outcomes.length,
    ok: outcomes.filter((o) => o.level === 'OK').length,
    warning: outcomes.filter((o) => o.level === 'WARNING').length,
    critical: outcomes.filter((o) => o.level === 'CRITICAL').length,
    failed: failures.length,
    failures: failures.slice(0, FAILURES_PER_BATCH),
    failuresOmitted: Math.max(0, failures.length - FAILURES_PER_BATCH),
  };
}

export function summarizeRun(batches: readonly BatchSummary[]): RunSummary {
  const sum = (pick: (b: BatchSummary) => number) => batches.reduce((total, b) => total + pick(b), 0);
  // A batch that failed as a whole is listed once, under its number, standing for all its sources.
  const listed = batches.flatMap((b) =>
    b.error === undefined
      ? b.failures.map((failure) => ({ failure, stands: 1 }))
      : [
          {
            failure: {
              source: `batch ${b.batch}`,
              error: b.error,
              cause: `none of its ${b.sources} sources was checked`,
            },
            stands: b.sources,
          },
        ],
  );
  const kept = listed.slice(0, FAILURES_PER_RUN);
  const failed = sum((b) => b.failed);
  return {
    sources: sum((b) => b.sources),
    batches: batches.length,
    ok: sum((b) => b.ok),
    warning: sum((b) => b.warning),
    critical: sum((b) => b.critical),
    failed,
    failures: kept.map((k) => k.failure),
    failuresOmitted: failed - kept.reduce((n, k) => n + k.stands, 0),
  };
}

export interface BatchRun<T> {
  readonly concurrency: number;
  /** From the invocation's start; sources not finished by then are reported failed. */
  readonly deadlineMs: number;
  readonly clock: Clock;
  readonly nameOf: (item: T, index: number) => string;
  /** One source's check; a throw becomes that source's failure. */
  readonly check: (item: T, index: number) => Promise<SourceOutcome>;
}

/** The deadline passed before the source's check ended (or began). */
export class HealthCheckDeadlineError extends Error {
  override readonly name = 'HealthCheckDeadlineError';
}

/**
 * Checks a batch with at most `concurrency` sources in flight. Never throws: a failed check is a
 * FAILED outcome, and at the deadline every unfinished source is one too, so the invocation returns
 * in bounded time whatever a source does.
 */
export async function checkBatch<T>(items: readonly T[], run: BatchRun<T>): Promise<SourceOutcome[]> {
  const outcomes: (SourceOutcome | undefined)[] = new Array(items.length).fill(undefined);
  const deadline = run.clock.sleep(run.deadlineMs).then(() => 'deadline' as const);
  let expired = false;
  let next = 0;
  const lane = async () => {
    while (!expired && next < items.length) {
      const index = next;
      next += 1;
      const item = items[index] as T;
      const checked = run.check(item, index).catch((error) => failureOf(run.nameOf(item, index), error));
      const first = await Promise.race([checked, deadline]);
      if (first === 'deadline') expired = true;
      else outcomes[index] = first;
    }
  };
  const lanes = Array.from({ length: Math.min(Math.max(1, run.concurrency), items.length) }, lane);
  await Promise.race([Promise.all(lanes), deadline]);
  const seconds = Math.round(run.deadlineMs / 1000);
  return outcomes.map(
    (outcome, index) =>
      outcome ??
      failureOf(
        run.nameOf(items[index] as T, index),
        new HealthCheckDeadlineError(
          index < next
            ? `still running when the ${seconds} s budget of its batch ran out`
            : `not started: the ${seconds} s budget of its batch ran out`,
        ),
      ),
  );
}

/** One source's check as the run counts it: its worst level, or FAILED when it could not be measured. */
export function outcomeOf(result: HealthCheckResult): SourceOutcome {
  if (result.status === 'CHECKED') return { source: result.source, level: result.state };
  const described = result.error ?? 'Error: unknown error';
  const match = /^([A-Za-z][\w.]*): ([\s\S]*)$/.exec(described);
  return {
    source: result.source,
    level: 'FAILED',
    error: match?.[1] ?? 'Error',
    cause: shortCause(match?.[2] ?? described),
  };
}

/** What the machine hands one invocation: a slice of the configuration's sources and its defaults. */
export const BatchInputSchema = z.strictObject({
  batch: z.number().int().nonnegative(),
  // Each source is validated on its own, so one bad entry fails alone.
  sources: z.array(z.unknown()).max(BATCH_SIZE),
  defaults: z.unknown().optional(),
});

const FailureSchema = z.strictObject({
  source: z.string(),
  error: z.string(),
  cause: z.string(),
});

const BatchSummarySchema = z.strictObject({
  batch: z.number().int().nonnegative(),
  sources: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  warning: z.number().int().nonnegative(),
  critical: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  failures: z.array(FailureSchema).max(FAILURES_PER_BATCH),
  failuresOmitted: z.number().int().nonnegative(),
  error: z.string().optional(),
});

/** The machine's last step: every batch's summary, to be added up. */
export const SummarizeInputSchema = z.strictObject({
  summarize: z.array(BatchSummarySchema).max(Math.ceil(MAX_SOURCES / BATCH_SIZE)),
});
