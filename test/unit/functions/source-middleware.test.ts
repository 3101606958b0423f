import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambda } from '../../../src/adapters/aws/lambda.js';
import { type OpenSource, sourceOf, sourceSession } from '../../../src/adapters/aws/source-middleware.js';
import type { SecretStore } from '../../../src/ports/secret-store.js';
import { failure, fakePg, lambdaContext, SECRET, SOURCE_SECRET_ARN, slotRow, testLogger } from './support.js';

/** A secret store holding the source secret, counting reads. */
function secrets(): SecretStore & { reads: number } {
  const store = {
    reads: 0,
    getSecretString: async (id: string) => {
      store.reads += 1;
      if (id !== SOURCE_SECRET_ARN) throw new Error(`no secret ${id}`);
      return JSON.stringify(SECRET);
    },
  };
  return store;
}

/** A handler on the middleware whose body is `use`, given the source it opened (or nothing). */
function handlerWith(
  use: (source: () => Promise<OpenSource>) => Promise<unknown>,
  pg = fakePg(() => [slotRow()]),
  store = secrets(),
) {
  const deps = { secrets: store, connect: pg.connect, logger: testLogger(), env: {} };
  const handler = lambda<unknown>(deps.logger)
    .use(sourceSession(deps, 'dms-cdc-test'))
    .handler(async (_event, context: Context) =>
      use(() => sourceOf(context).open({ secretArn: SOURCE_SECRET_ARN })),
    );
  return { handler, pg, store };
}

describe('sourceSession middleware', () => {
  it('reads no secret and connects to nothing when the handler does not open the source', async () => {
    const { handler, pg, store } = handlerWith(async () => 'done');

    expect(await handler({}, lambdaContext())).toBe('done');
    expect(store.reads).toBe(0);
    expect(pg.configs).toHaveLength(0);
  });

  it('connects on the first query only, once for every read, and closes the session after the handler', async () => {
    const { handler, pg } = handlerWith(async (open) => {
      const source = await open();
      expect(pg.configs).toHaveLength(0);
      await source.db.readSlot('dms_slot');
      await source.db.readSlot('dms_slot');
      expect(pg.open()).toBe(1);
      return source.describe;
    });

    expect(await handler({}, lambdaContext())).toBe(`dms_user@${SECRET.host}:5432/orders (tls verify-full)`);
    expect(pg.configs).toHaveLength(1);
    expect(pg.configs[0]?.application_name).toBe('dms-cdc-test');
    expect(pg.open()).toBe(0);
  });

  it('closes the session when the handler fails, and the failure is the handler own', async () => {
    const { handler, pg } = handlerWith(async (open) => {
      await (await open()).db.readSlot('dms_slot');
      throw new Error('the step failed');
    });

    expect((await failure(handler({}, lambdaContext()))).message).toBe('the step failed');
    expect(pg.open()).toBe(0);
  });

  it('gives each invocation its own session when callers share one context object', async () => {
    const pg = fakePg(() => [slotRow()]);
    let bothRead: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    let read = 0;
    const { handler } = handlerWith(async (open) => {
      await (await open()).db.readSlot('dms_slot');
      read += 1;
      if (read === 2) bothRead();
      // Each holds its session until both have one: two sessions at once, not one shared.
      await reading;
      return pg.open();
    }, pg);
    const context = lambdaContext();

    expect(await Promise.all([handler({}, context), handler({}, context)])).toEqual([2, 2]);
    expect(pg.configs).toHaveLength(2);
    expect(pg.open()).toBe(0);
  });
});
