import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Mermaid diagrams of the state machines, generated from statemachines/*.asl.json so a drawing never
 * drifts from the definition that is deployed: `npm run docs:diagrams` writes docs/statemachines/<name>.md,
 * and test/unit/docs-diagrams.test.ts fails when a file differs from what this renders.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STATEMACHINES_DIR = path.join(ROOT, 'statemachines');
export const DIAGRAMS_DIR = path.join(ROOT, 'docs/statemachines');

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly Record<string, unknown>[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
  readonly Iterator?: Machine;
  readonly ItemProcessor?: Machine;
  readonly Branches?: readonly Machine[];
}

interface Machine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

/** The machines by name (file name without .asl.json), in file-name order. */
export function machineNames(): string[] {
  return readdirSync(STATEMACHINES_DIR)
    .filter((file) => file.endsWith('.asl.json'))
    .map((file) => file.slice(0, -'.asl.json'.length))
    .sort();
}

export function diagramPath(name: string): string {
  return path.join(DIAGRAMS_DIR, `${name}.md`);
}

/** The markdown page for one machine, from its definition text. */
export function renderPage(name: string, definitionText: string): string {
  const machine = JSON.parse(definitionText) as Machine;
  return [
    `# The ${name} state machine`,
    '',
    `Generated from \`statemachines/${name}.asl.json\` by \`npm run docs:diagrams\`; do not edit by hand.`,
    'Boxes are Tasks, diamonds Choices, rounded boxes Waits, slanted boxes Pass states, circles the ends.',
    'Solid arrows are Next and Choice rules, dotted arrows Catch clauses (labelled with the errors they catch).',
    '',
    '```mermaid',
    'flowchart TD',
    ...renderMachine(machine, ''),
    '```',
    '',
  ].join('\n');
}

function renderMachine(machine: Machine, prefix: string): string[] {
  const id = (state: string) => nodeId(prefix, state);
  const lines = [`  ${prefix ? `${prefix}_start` : 'start'}(("start")) --> ${id(machine.StartAt)}`];
  for (const [name, state] of Object.entries(machine.States)) {
    lines.push(`  ${id(name)}${shape(name, state)}`);
    const nested = state.ItemProcessor ?? state.Iterator;
    const branches = nested ? [nested] : (state.Branches ?? []);
    branches.forEach((branch, i) => {
      const inner = `${id(name)}_${i}`;
      lines.push(
        `  subgraph ${inner}_box ["${label(name)}: each item"]`,
        ...renderMachine(branch, inner),
        '  end',
      );
      lines.push(`  ${id(name)} -.-> ${inner}_start`);
    });
    (state.Choices ?? []).forEach((rule, i) => {
      lines.push(`  ${id(name)} -->|"${label(`${i + 1}. ${condition(rule)}`)}"| ${id(String(rule.Next))}`);
    });
    if (state.Default) lines.push(`  ${id(name)} -->|default| ${id(state.Default)}`);
    if (state.Next) lines.push(`  ${id(name)} --> ${id(state.Next)}`);
    for (const c of state.Catch ?? []) {
      lines.push(`  ${id(name)} -.->|"${label(c.ErrorEquals.join(', '))}"| ${id(c.Next)}`);
    }
  }
  return lines;
}

function nodeId(prefix: string, state: string): string {
  return `${prefix ? `${prefix}_` : ''}${state.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function shape(name: string, state: State): string {
  const text = `"${label(name)}"`;
  switch (state.Type) {
    case 'Choice':
      return `{${text}}`;
    case 'Wait':
      return `(${text})`;
    case 'Pass':
      return `[/${text}/]`;
    case 'Succeed':
    case 'Fail':
      return `((${text}))`;
    case 'Map':
    case 'Parallel':
      return `[[${text}]]`;
    default:
      return `[${text}]`;
  }
}

/** A Choice rule in a few words: its variable, comparison and value; And/Or/Not by their parts. */
function condition(rule: Record<string, unknown>): string {
  for (const combinator of ['And', 'Or'] as const) {
    const parts = rule[combinator];
    if (Array.isArray(parts))
      return parts.map((p) => condition(p as Record<string, unknown>)).join(` ${combinator.toLowerCase()} `);
  }
  if (rule.Not) return `not ${condition(rule.Not as Record<string, unknown>)}`;
  const variable = String(rule.Variable ?? '').replace(/^\$\.?/, '');
  const [operator, value] =
    Object.entries(rule).find(([key]) => !['Variable', 'Next', 'Comment'].includes(key)) ?? [];
  return `${variable} ${operator ?? ''} ${JSON.stringify(value)}`.trim();
}

/** Text Mermaid shows as is inside double quotes: its quote becomes an entity, and long text is cut. */
function label(text: string): string {
  const flat = text.replace(/"/g, '#quot;').replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

/** Writes every page (npm run docs:diagrams). */
export function writeDiagrams(): string[] {
  return machineNames().map((name) => {
    const text = readFileSync(path.join(STATEMACHINES_DIR, `${name}.asl.json`), 'utf8');
    writeFileSync(diagramPath(name), renderPage(name, text));
    return path.relative(ROOT, diagramPath(name));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`wrote ${writeDiagrams().join(', ')}\n`);
}
