/**
 * How DMS restarts a task by itself after a recoverable error: ReplicationTaskSettings ErrorBehavior
 * `RecoverableErrorCount` (attempts; -1, DMS's default, leaves their number to DMS, which bounds it by error
 * type and task state; 0 never restarts) and
 * `RecoverableErrorInterval` (seconds between attempts, default 5). Each restart is a resume from the task's
 * checkpoint, so a recovery that acts at the same time acts twice.
 */
export interface RecoverableErrorBehavior {
  readonly count: number;
  readonly intervalSeconds: number;
}

export const DMS_RECOVERABLE_ERROR_DEFAULTS: RecoverableErrorBehavior = { count: -1, intervalSeconds: 5 };

/** The behaviour the settings JSON gives; DMS's defaults for whatever it leaves out (or when it is unreadable). */
export function recoverableErrorBehavior(settings: string | undefined): RecoverableErrorBehavior {
  const errorBehavior = readErrorBehavior(settings);
  return {
    count: integer(errorBehavior.RecoverableErrorCount) ?? DMS_RECOVERABLE_ERROR_DEFAULTS.count,
    intervalSeconds:
      integer(errorBehavior.RecoverableErrorInterval) ?? DMS_RECOVERABLE_ERROR_DEFAULTS.intervalSeconds,
  };
}

/** Whether DMS restarts the task by itself after a recoverable error (any count but 0). */
export function restartsOnRecoverableError(settings: string | undefined): boolean {
  return recoverableErrorBehavior(settings).count !== 0;
}

function readErrorBehavior(settings: string | undefined): Record<string, unknown> {
  if (settings === undefined || settings.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(settings);
    const behavior = isRecord(parsed) ? parsed.ErrorBehavior : undefined;
    return isRecord(behavior) ? behavior : {};
  } catch {
    return {};
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}
