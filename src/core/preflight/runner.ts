import { OrchestratorError } from '../errors.js';
import { ALL_CHECKS } from './checks/index.js';
import type { EvaluationContext, PreflightCheck } from './context.js';
import { bySeverity, type Finding, type Problem } from './finding.js';

/**
 * A check threw (a bug, or facts it did not expect): the preflight could not run. Never a warning: a
 * check that cannot run cannot block either, so a report without it would say "ready" for a
 * prerequisite nobody checked. The CLI exits 2 with this; the Lambda fails with it, and the cutover
 * stops at Preflight before anything is created.
 */
export class PreflightCheckCrashedError extends OrchestratorError {
  override readonly name = 'PreflightCheckCrashedError';
  readonly checks: readonly { readonly id: string; readonly message: string }[];

  constructor(checks: readonly { readonly id: string; readonly message: string }[]) {
    super(
      checks.map((c) => `check ${c.id} threw: ${c.message}`).join('; '),
      'Nothing was created. Verify these prerequisites by hand and report the message as a preflight bug; ' +
        'the other checks ran, but a preflight with a check that could not run does not say ready',
    );
    this.checks = checks;
  }
}

/**
 * Runs every check against the context, and every check even when one throws, so the error names all
 * checks that could not run. Findings come out blockers first, then warnings, then infos, each group in
 * check order.
 */
export function evaluateChecks(
  context: EvaluationContext,
  checks: readonly PreflightCheck[] = ALL_CHECKS,
): Finding[] {
  const crashed: { id: string; message: string }[] = [];
  const findings = checks.flatMap((check) => {
    const problems = safeEvaluate(check, context, crashed);
    return problems.map(
      (problem): Finding => ({
        id: check.id,
        severity: problem.severity,
        title: problem.title,
        observed: problem.observed,
        expected: problem.expected,
        remedy: problem.remedy,
        reference: problem.reference ?? check.reference,
      }),
    );
  });
  if (crashed.length > 0) throw new PreflightCheckCrashedError(crashed);
  // Array.prototype.sort is stable, so check order survives within a severity.
  return findings.sort((a, b) => bySeverity(a.severity, b.severity));
}

function safeEvaluate(
  check: PreflightCheck,
  context: EvaluationContext,
  crashed: { id: string; message: string }[],
): readonly Problem[] {
  try {
    return check.evaluate(context);
  } catch (error) {
    crashed.push({ id: check.id, message: error instanceof Error ? error.message : String(error) });
    return [];
  }
}
