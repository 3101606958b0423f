import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../../src/adapters/aws/lambda.js';
import { once } from '../../../src/adapters/aws/once.js';

interface Deps {
  readonly client: { readonly name: string };
  readonly pollMs: number;
}

describe('handler defaults', () => {
  it('builds a default only for what was not injected', () => {
    const built: string[] = [];
    const defaults = {
      client: () => {
        built.push('client');
        return { name: 'real' };
      },
      pollMs: () => {
        built.push('pollMs');
        return 5_000;
      },
    };

    const deps = withDefaults<Deps>({ client: { name: 'fake' } }, defaults);

    expect(deps).toEqual({ client: { name: 'fake' }, pollMs: 5_000 });
    expect(built).toEqual(['pollMs']);
  });

  it('keeps one value per execution environment: a default is built once, however many handlers ask', () => {
    let made = 0;
    const client = once(() => ({ name: `client ${++made}` }));

    const first = withDefaults<Deps>({}, { client, pollMs: () => 1 });
    const second = withDefaults<Deps>({}, { client, pollMs: () => 2 });

    expect(first.client).toBe(second.client);
    expect(made).toBe(1);
  });
});
