import { ALL_CHECKS } from './checks/index.js';
import type { EvaluationContext, PreflightCheck } from './context.js';
import { bySeverity, type Finding, type Problem } from './finding.js';

/**
 * Runs every check against the context and never stops early: a check that throws (a bug, or facts
 * it did not expect) becomes a warning naming the check, and the others still run.
 * Findings come out blockers first, then warnings, then infos, each group in check order.
 */
export function evaluateChecks(
  context: EvaluationContext,
  checks: readonly PreflightCheck[] = ALL_CHECKS,
): Finding[] {
  const findings = checks.flatMap((check) =>
    safeEvaluate(check, context).map(
      (problem): Finding => ({
        id: check.id,
        severity: problem.severity,
        title: problem.title,
        observed: problem.observed,
        expected: problem.expected,
        remedy: problem.remedy,
        reference: problem.reference ?? check.reference,
      }),
    ),
  );
  // Array.prototype.sort is stable, so check order survives within a severity.
  return findings.sort((a, b) => bySeverity(a.severity, b.severity));
}

function safeEvaluate(check: PreflightCheck, context: EvaluationContext): readonly Problem[] {
  try {
    return check.evaluate(context);
  } catch (error) {
    return [
      {
        severity: 'warning',
        title: 'This check could not be evaluated',
        observed: error instanceof Error ? error.message : String(error),
        expected: 'the check evaluates the facts gathered from the server',
        remedy: 'Verify this prerequisite by hand, and report the message above as a preflight bug',
      },
    ];
  }
}
