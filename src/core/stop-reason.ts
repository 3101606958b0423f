/** The codes inside DMS's StopReason strings ("Stop Reason FATAL_ERROR"), as documented for ReplicationTask.StopReason. */
export const STOP_REASON_CODES = [
  'NORMAL',
  'RECOVERABLE_ERROR',
  'FATAL_ERROR',
  'FULL_LOAD_ONLY_FINISHED',
  'STOPPED_AFTER_FULL_LOAD',
  'STOPPED_AFTER_CACHED_EVENTS',
  'EXPRESS_LICENSE_LIMITS_REACHED',
  'STOPPED_AFTER_DDL_APPLY',
  'STOPPED_DUE_TO_LOW_MEMORY',
  'STOPPED_DUE_TO_LOW_DISK',
  'STOPPED_AT_SERVER_TIME',
  'STOPPED_AT_COMMIT_TIME',
  'RECONFIGURATION_RESTART',
  'RECYCLE_TASK',
] as const;
export type StopReasonCode = (typeof STOP_REASON_CODES)[number];

/** The DMS wire form of a code. */
export function stopReasonText(code: StopReasonCode): string {
  return `Stop Reason ${code}`;
}

/** Reads the code from a StopReason as DMS returns it (with or without the "Stop Reason" prefix). */
export function stopReasonCode(text: string | undefined): StopReasonCode | undefined {
  if (!text) return undefined;
  const word = text
    .replace(/^\s*Stop Reason\s+/i, '')
    .trim()
    .split(/\s+/)[0]
    ?.toUpperCase();
  return STOP_REASON_CODES.find((code) => code === word);
}
