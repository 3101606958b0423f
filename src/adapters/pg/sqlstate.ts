/**
 * PostgreSQL errors the orchestrator branches on, by SQLSTATE (never by message text, which is
 * translated and changes between versions).
 */
export const SQLSTATE = {
  duplicateObject: '42710',
  undefinedObject: '42704',
  objectInUse: '55006',
  objectNotInPrerequisiteState: '55000',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  cannotConnectNow: '57P03',
  undefinedFile: '58P01',
  insufficientPrivilege: '42501',
  invalidParameterValue: '22023',
  undefinedFunction: '42883',
} as const;

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
