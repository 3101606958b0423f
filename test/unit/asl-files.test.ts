import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';

const DIR = path.resolve(import.meta.dirname, '../../statemachines');
const FILES = readdirSync(DIR).filter((file) => file.endsWith('.asl.json'));
const PLACEHOLDER = /\$\{([A-Za-z0-9]+)\}/gu;

/** The definition as CloudFormation would hand it to Step Functions: every ${X} replaced in the text. */
function deployed(text: string): unknown {
  return JSON.parse(
    text.replace(PLACEHOLDER, (_match, name: string) =>
      name.endsWith('FunctionArn')
        ? `arn:aws:lambda:us-east-1:123456789012:function:${name.slice(0, -'FunctionArn'.length)}`
        : `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`,
    ),
  );
}

describe('statemachines/*.asl.json', () => {
  it('includes the cutover machine', () => {
    expect(FILES).toContain('cutover.asl.json');
  });

  it.each(FILES)(
    '%s is valid ASL once its placeholders are filled (asl-validator, paths and ARNs checked)',
    (file) => {
      const text = readFileSync(path.join(DIR, file), 'utf8');

      const result = aslValidator(deployed(text), { checkPaths: true, checkArn: true });

      expect(result.errorsText('\n'), file).toBe('');
      expect(result.isValid, file).toBe(true);
    },
  );

  it.each(FILES)('%s uses placeholders only for ARNs, named like SomethingArn', (file) => {
    const text = readFileSync(path.join(DIR, file), 'utf8');
    const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);

    expect(names.length, file).toBeGreaterThan(0);
    for (const name of names) expect(name, file).toMatch(/^[A-Z][A-Za-z0-9]*Arn$/);
    // Nothing that looks like a placeholder but would not be substituted (a typo, a space).
    expect(text.replace(PLACEHOLDER, ''), file).not.toContain('${');
  });
});
