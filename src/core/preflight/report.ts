import type { PluginName } from '../../ports/dms.js';
import type { EvaluationContext } from './context.js';
import { type Finding, SEVERITIES, type Severity } from './finding.js';
import type { Platform } from './platform.js';

/** The report: pure data, the same from the CLI (--json) and the Lambda. */
export interface PreflightReport {
  readonly source: SourceSummary;
  readonly summary: { readonly blockers: number; readonly warnings: number; readonly infos: number };
  readonly findings: readonly Finding[];
}

export interface SourceSummary {
  /** user@host:port/database (tls ...): never a password. */
  readonly connection: string;
  readonly platform: Platform;
  readonly serverVersion: string;
  readonly serverVersionNum: number;
  readonly auroraVersion: string | null;
  readonly database: string;
  readonly user: string;
  readonly plugin: PluginName;
  readonly pluginChosenBy: 'option' | 'slot' | 'dms-default';
  readonly slot: string | null;
  readonly scope: 'table-mappings' | 'all-user-tables';
  readonly tablesInScope: number;
  readonly tablesInDatabase: number;
  /** The target as described for humans, when one was checked. */
  readonly target: string | null;
  readonly checks: number;
  /** SQL round trips the facts took, source and target: constant, whatever the table count. */
  readonly roundTrips: number;
}

export interface ReportMeta {
  readonly connection: string;
  readonly target: string | null;
  readonly roundTrips: number;
  readonly checks: number;
}

export function buildReport(
  context: EvaluationContext,
  findings: readonly Finding[],
  meta: ReportMeta,
): PreflightReport {
  const { facts } = context;
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  return {
    source: {
      connection: meta.connection,
      platform: context.platform,
      serverVersion: facts.server.version,
      serverVersionNum: facts.server.versionNum,
      auroraVersion: facts.server.auroraVersion,
      database: facts.server.database,
      user: facts.role.name,
      plugin: context.plugin.name,
      pluginChosenBy: context.plugin.chosenBy,
      slot: context.slotName ?? null,
      scope: context.scope.source,
      tablesInScope: context.scope.tables.length,
      tablesInDatabase: facts.tables.length,
      target: meta.target,
      checks: meta.checks,
      roundTrips: meta.roundTrips,
    },
    summary: { blockers: count('blocker'), warnings: count('warning'), infos: count('info') },
    findings,
  };
}

const HEADINGS: Readonly<Record<Severity, string>> = {
  blocker: 'BLOCKERS: fix before creating the DMS task',
  warning: 'WARNINGS: review',
  info: 'INFO',
};

/** The human form: a header, findings grouped by severity with their remedies, a verdict. */
export function renderReport(report: PreflightReport): string {
  const { source, summary } = report;
  const lines = [
    `preflight of ${source.connection}`,
    `  PostgreSQL ${source.serverVersion} (${source.platform}${source.auroraVersion ? ` ${source.auroraVersion}` : ''}), ` +
      `plugin ${source.plugin} (${source.pluginChosenBy})${source.slot ? `, slot ${source.slot}` : ''}`,
    `  ${source.tablesInScope} of ${source.tablesInDatabase} tables in scope (${source.scope})` +
      `${source.target ? `, target ${source.target}` : ''}; ${source.checks} checks, ${source.roundTrips} SQL round trips`,
  ];
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `${HEADINGS[severity]} (${group.length})`);
    for (const f of group) {
      lines.push(
        '',
        `  [${f.id}] ${f.title}`,
        `    observed:  ${f.observed}`,
        `    expected:  ${f.expected}`,
        `    remedy:    ${f.remedy}`,
        `    reference: ${f.reference}`,
      );
    }
  }
  lines.push(
    '',
    `${summary.blockers} blocker(s), ${summary.warnings} warning(s), ${summary.infos} info: ${
      summary.blockers > 0 ? 'NOT READY' : 'ready for DMS CDC'
    }`,
  );
  return lines.join('\n');
}
