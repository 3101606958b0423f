import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, isPortTaken, startPrimary } from '../../src/local/postgres/cluster.js';

/** Holds a loopback port the way another process that grabbed it first would. */
async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const port = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('PostgreSQL harness ports', () => {
  it('a port taken between freePort and the bind moves the server to a free one instead of failing', async () => {
    const taken = await occupy();
    try {
      const node = await startPrimary({ name: 'port-race', port: taken.port });
      try {
        expect(node.port).not.toBe(taken.port);
        expect(await node.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      } finally {
        await node.destroy();
      }
    } finally {
      await taken.close();
    }
  });

  it('only a bind failure is retried', () => {
    expect(
      isPortTaken(
        new Error('postgres exited\nLOG:  could not bind IPv4 address "127.0.0.1": Address already in use'),
      ),
    ).toBe(true);
    expect(isPortTaken(new Error('postgres exited\nFATAL:  data directory has wrong ownership'))).toBe(false);
  });
});
