import type { SourceDb } from '../../ports/source-db.js';
import { SourceUnreachableError } from './client.js';
import { sqlState } from './sqlstate.js';

/**
 * A session the server ends under us (shutdown, crash, failover in progress: SQLSTATE classes 08 and 57)
 * or a socket that breaks is as transient as a refused connect: SourceUnreachableError, which the state
 * machines retry the same way. Anything else passes through unchanged.
 */
export function lostSessionAsUnreachable(error: unknown, describe: string): unknown {
  if (error instanceof SourceUnreachableError) return error;
  const code = sqlState(error);
  const transient =
    code === undefined
      ? /Connection terminated|ECONNRESET|EPIPE|ETIMEDOUT|socket/i.test(String((error as Error)?.message))
      : code.startsWith('08') || code.startsWith('57');
  if (!transient) return error;
  return new SourceUnreachableError(
    `lost the session to ${describe}${code ? ` (SQLSTATE ${code})` : ''}: ${(error as Error).message}`,
    'Retry later: the server is restarting, shutting down or failing over',
  );
}

/** The same reads, a lost session reported as SourceUnreachableError (see lostSessionAsUnreachable). */
export function retryableOnSessionLoss(db: SourceDb, describe: string): SourceDb {
  const guard = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      throw lostSessionAsUnreachable(error, describe);
    }
  };
  return {
    readSlot: (slotName) => guard(() => db.readSlot(slotName)),
    readSlots: () => guard(() => db.readSlots()),
    readServerPosition: () => guard(() => db.readServerPosition()),
  };
}
