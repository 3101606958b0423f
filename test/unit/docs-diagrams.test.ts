import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagramPath, machineNames, renderPage, STATEMACHINES_DIR } from '../../src/deploy/asl-diagrams.js';

const definition = (name: string) => readFileSync(path.join(STATEMACHINES_DIR, `${name}.asl.json`), 'utf8');

describe('the state machine diagrams in docs/statemachines', () => {
  it('cover the three machines', () => {
    expect(machineNames()).toEqual(expect.arrayContaining(['cutover', 'health-check', 'recover']));
  });

  it.each(machineNames())('%s.md is what its ASL renders to', (name) => {
    let written = '';
    try {
      written = readFileSync(diagramPath(name), 'utf8');
    } catch {
      // A missing page fails below, with the same advice.
    }
    expect(
      written === renderPage(name, definition(name)),
      `docs/statemachines/${name}.md differs from statemachines/${name}.asl.json: run \`npm run docs:diagrams\``,
    ).toBe(true);
  });

  it.each(machineNames())('%s: every state and every transition of the ASL is drawn', (name) => {
    const page = renderPage(name, definition(name));
    const machine = JSON.parse(definition(name)) as {
      States: Record<string, { Next?: string; Default?: string; Choices?: { Next: string }[] }>;
    };
    for (const [state, body] of Object.entries(machine.States)) {
      expect(page).toContain(`"${state}"`);
      for (const next of [body.Next, body.Default, ...(body.Choices ?? []).map((c) => c.Next)]) {
        if (next) expect(page).toMatch(new RegExp(`\\b${state} -->(\\|[^\\n]*\\| )? ?${next}\\b`));
      }
    }
  });
});
