import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const portsDir = path.resolve(import.meta.dirname, '../../src/ports');
const modules = readdirSync(portsDir).filter((name) => name.endsWith('.ts'));

// A port is a contract: types and interfaces, erased when compiled. A constant, function or class
// exported from src/ports is an implementation, and belongs in an adapter or the core.
describe('src/ports holds contracts only', () => {
  it('has ports to check', () => {
    expect(modules.length).toBeGreaterThan(5);
  });

  it.each(modules)('%s exports no runtime value', async (name) => {
    const loaded: Record<string, unknown> = await import(path.join(portsDir, name));
    expect(Object.keys(loaded)).toEqual([]);
  });
});
