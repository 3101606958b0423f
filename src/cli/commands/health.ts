import { FileAlertStateStore, MemoryAlertStateStore } from '../../adapters/local/alert-state-store.js';
import { connectPg } from '../../adapters/pg/client.js';
import {
  connectionFromUrl,
  describeConnection,
  type SourceConnection,
  toPgConfig,
} from '../../adapters/pg/connection.js';
import { pgSourceOpener } from '../../adapters/pg/health.js';
import { systemClock } from '../../adapters/system-clock.js';
import { formatValue } from '../../core/alerts/evaluate.js';
import { evaluateMeasurement } from '../../core/alerts/evaluate-ahead.js';
import { OrchestratorError } from '../../core/errors.js';
import { describeError, measureSource } from '../../core/health/check.js';
import {
  DEFAULT_THRESHOLDS,
  type HealthConfig,
  type NumericThreshold,
  parseHealthConfig,
  type ResolvedSource,
  resolveSource,
  type SourceConfig,
} from '../../core/health/config.js';
import { viewHistory } from '../../core/health/history.js';
import { exitStatusOf, type HealthReport, toHealthReport } from '../../core/health/report.js';
import { formatDuration, InvalidQuantityError, parseSize } from '../../core/health/sizes.js';
import type { HealthHistoryStore } from '../../ports/alert-state.js';
import { type Command, type CommandContext, quoteFlagValue, UsageError } from '../args.js';
import { readJsonFile } from '../files.js';
import { withPassword } from '../source.js';
import { render } from './health-render.js';

const show = (t: NumericThreshold, metric: 'slotLag' | 'retainedWal') =>
  `${t.warning === null ? 'off' : formatValue(metric, t.warning)} / ${t.critical === null ? 'off' : formatValue(metric, t.critical)}`;

const USAGE = `dms-cdc health --source <url> [--config FILE] [--json] [--watch SECONDS] [--state FILE]
                [--warn-lag SIZE] [--crit-lag SIZE] [--warn-retained SIZE] [--crit-retained SIZE]

  Measures every logical slot on the source in one query (lag to confirmed_flush_lsn, WAL retained by
  restart_lsn, active, wal_status, inactive time on PostgreSQL 17+, xmin age) and WAL on disk
  (pg_ls_waldir, needs pg_monitor), and evaluates them against the thresholds. With
  max_slot_wal_keep_size set (13+), safe_wal_size too: WARNING under half of it, CRITICAL under a fifth.

  --source <url>         postgres://user@host:5432/db?sslmode=verify-full (or DMS_CDC_SOURCE_URL);
                         the password from PGPASSWORD or ~/.pgpass. Optional with --config when the file's
                         source has a url.
  --config <file>        a health-check configuration (JSON: {defaults?, sources[]}); thresholds come
                         from its defaults and from the source whose url matches --source
  --json                 print {source, slots[{slot, active, walStatus, lagBytes, retainedBytes, state,
                         breaches}], wal{bytes, files}, state}
  --watch <seconds>      check again every so many seconds (5 to 86400), redrawing in place, until Ctrl-C;
                         from the third check on, the WAL rate and when safe_wal_size reaches zero
  --state <file>         keep the samples forecasts are made from in this file (a JSON alert-state
                         store), so single checks run from cron forecast too
  --warn-lag, --crit-lag            lag thresholds (default ${show(DEFAULT_THRESHOLDS.slotLag, 'slotLag')})
  --warn-retained, --crit-retained  retained WAL thresholds (default ${show(DEFAULT_THRESHOLDS.retainedWal, 'retainedWal')})
                         Sizes: bytes, or 512MB, 20GB, 1.5GiB (powers of 1024, as in postgresql.conf)

exit status: 0 everything OK, 1 a warning, 2 something critical, 3 the check could not run`;

export const healthCommand: Command = {
  name: 'health',
  summary:
    'Check slot lag, retained WAL and WAL disk use against thresholds (exit 0 OK, 1 warning, 2 critical)',
  usage: USAGE,
  options: {
    source: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
    watch: { type: 'string' },
    state: { type: 'string' },
    'warn-lag': { type: 'string' },
    'crit-lag': { type: 'string' },
    'warn-retained': { type: 'string' },
    'crit-retained': { type: 'string' },
  },
  // 2 means "critical" here: a check that cannot even parse its flags could not run (3).
  usageExitStatus: 3,
  async run(values, context) {
    let setup: Setup;
    try {
      setup = await prepare(values, context.env);
    } catch (error) {
      // A check that cannot start is status 3, whatever the reason (flags, config file, URL).
      context.output.error(cannotRun(error, error instanceof UsageError ? `\n\nusage: ${USAGE}` : ''));
      return 3;
    }
    return setup.watchSeconds === undefined ? checkOnce(setup, context) : watch(setup, context);
  },
};

interface Setup {
  readonly source: ResolvedSource;
  readonly connection: SourceConnection;
  readonly label: string;
  readonly json: boolean;
  readonly watchSeconds: number | undefined;
  /** The samples forecasts come from: a file with --state, else memory (the checks of one --watch). */
  readonly history: HealthHistoryStore;
}

async function prepare(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): Promise<Setup> {
  const config = typeof values.config === 'string' ? await readConfig(values.config) : undefined;
  const url = (values.source as string | undefined) ?? env.DMS_CDC_SOURCE_URL;
  const fromConfig = config ? matchSource(config, url) : undefined;
  const sourceUrl = url ?? fromConfig?.url;
  if (!sourceUrl) {
    throw new UsageError('--source is required (or a --config whose only source has a url)');
  }
  const connection = withPassword(connectionFromUrl(sourceUrl, '--source'), env);
  const label = fromConfig?.name ?? describeConnection(connection);
  const base: SourceConfig = fromConfig ?? { name: 'cli', url: sourceUrl, slots: 'logical', dmsTasks: [] };
  const overrides = {
    slotLag: levelFlags(values, 'lag'),
    retainedWal: levelFlags(values, 'retained'),
  };
  const withFlags: SourceConfig = {
    ...base,
    thresholds: {
      ...base.thresholds,
      slotLag: { ...base.thresholds?.slotLag, ...overrides.slotLag },
      retainedWal: { ...base.thresholds?.retainedWal, ...overrides.retainedWal },
    },
  };
  return {
    source: resolveSource(withFlags, config?.defaults, '--config'),
    connection,
    label,
    json: values.json === true,
    watchSeconds: watchFlag(values.watch),
    history:
      typeof values.state === 'string' ? new FileAlertStateStore(values.state) : new MemoryAlertStateStore(),
  };
}

async function readConfig(file: string): Promise<HealthConfig> {
  // Errors name the file and what is wrong, never a byte of its content.
  return parseHealthConfig(
    await readJsonFile(file, '--config', 'the health-check configuration'),
    '--config',
  );
}

/** The configured source this URL names (same host, port and database), or the only one with a url. */
function matchSource(config: HealthConfig, url: string | undefined): SourceConfig | undefined {
  const withUrl = config.sources.filter((s) => s.url !== undefined);
  if (url === undefined) return withUrl.length === 1 ? withUrl[0] : undefined;
  const wanted = connectionFromUrl(url, '--source');
  return withUrl.find((s) => {
    const candidate = connectionFromUrl(s.url ?? '', `--config source ${s.name}`);
    return (
      candidate.host === wanted.host &&
      candidate.port === wanted.port &&
      candidate.database === wanted.database
    );
  });
}

function levelFlags(values: Record<string, unknown>, name: 'lag' | 'retained') {
  const out: { warning?: number; critical?: number } = {};
  for (const [flag, level] of [
    [`warn-${name}`, 'warning'],
    [`crit-${name}`, 'critical'],
  ] as const) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    try {
      out[level] = parseSize(value);
    } catch (error) {
      if (error instanceof InvalidQuantityError) throw new UsageError(`--${flag}: ${error.message}`);
      throw error;
    }
  }
  return out;
}

// Each check is a round trip to the source: not more often than every 5 s, at least once a day.
const MIN_WATCH_SECONDS = 5;
const MAX_WATCH_SECONDS = 86_400;

function watchFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds =
    typeof value === 'string' && /^[0-9]{1,6}(\.[0-9]{1,3})?$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= MIN_WATCH_SECONDS && seconds <= MAX_WATCH_SECONDS)) {
    throw new UsageError(
      `--watch must be a number of seconds from ${MIN_WATCH_SECONDS} to ${MAX_WATCH_SECONDS}, got ${quoteFlagValue(value)}`,
    );
  }
  return seconds;
}

type Outcome =
  | { readonly ok: true; readonly report: HealthReport; readonly text: string; readonly status: 0 | 1 | 2 }
  | { readonly ok: false; readonly message: string };

async function measureOnce(setup: Setup): Promise<Outcome> {
  try {
    const measurement = await measureSource(setup.source, {
      openSource: pgSourceOpener(toPgConfig(setup.connection, 'dms-cdc-health'), connectPg),
      clock: systemClock,
    });
    // Every check's sample is kept: --watch's interval is the user's choice, and a file costs nothing.
    const history = await viewHistory(setup.history, measurement, systemClock.now(), 0);
    const observations = evaluateMeasurement(setup.source, measurement, history.forecasts);
    await history.save();
    const report = toHealthReport(setup.label, measurement, observations, history.forecasts);
    return {
      ok: true,
      report,
      text: render(report, measurement, observations),
      status: exitStatusOf(report.state),
    };
  } catch (error) {
    return { ok: false, message: cannotRun(error, '') };
  }
}

async function checkOnce(setup: Setup, { output }: CommandContext): Promise<number> {
  const outcome = await measureOnce(setup);
  if (!outcome.ok) {
    output.error(outcome.message);
    return 3;
  }
  if (setup.json) output.json(outcome.report);
  else output.result(outcome.text);
  return outcome.status;
}

/** Checks every `watchSeconds` until Ctrl-C; the status is the last check's. */
async function watch(setup: Setup, { output, signal }: CommandContext): Promise<number> {
  const every = (setup.watchSeconds ?? 1) * 1000;
  let status = 3;
  while (!signal.aborted) {
    const outcome = await measureOnce(setup);
    status = outcome.ok ? outcome.status : 3;
    if (setup.json) {
      if (outcome.ok) output.json(outcome.report);
      else output.error(outcome.message);
    } else {
      const header = `dms-cdc health  ${setup.label}  every ${formatDuration(every / 1000)}  ${new Date().toISOString()}  (Ctrl-C to stop)`;
      output.rewrite(`${header}\n\n${outcome.ok ? outcome.text : outcome.message}`);
    }
    await sleepUnlessAborted(every, signal);
  }
  return status;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function cannotRun(error: unknown, suffix: string): string {
  const text =
    error instanceof OrchestratorError
      ? `${error.name}: ${error.message}${error.remedy ? `\nremedy: ${error.remedy}` : ''}`
      : error instanceof UsageError
        ? error.message
        : describeError(error);
  return `health check could not run: ${text}${suffix}`;
}
