import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  coverageItems,
  executionCoverage,
  mergeExecutions,
  summarize,
} from '../../../src/local/stepfunctions/coverage.js';
import {
  checkCoverage,
  checkPassed,
  coverageJson,
  formatCoverage,
} from '../../../src/local/stepfunctions/coverage-report.js';
import {
  ChoiceEvaluationError,
  chooseRule,
  MissingPathError,
  matches,
  pathSegments,
  wildcard,
} from '../../../src/local/stepfunctions/coverage-rules.js';
import {
  ASL_COVERAGE_DIR_ENV,
  coveredMachineOf,
  machineFile,
  readRecorded,
  recordExecution,
} from '../../../src/local/stepfunctions/coverage-store.js';
import type { AslDefinition } from '../../../src/local/stepfunctions/definition.js';
import type { ExecutionEvent } from '../../../src/local/stepfunctions/events.js';
import { runStateMachine } from '../../../src/local/stepfunctions/index.js';

/** Two Choice states (one with a Default), a Task with two Catch entries, and a Map with a Catch inside. */
const MACHINE: AslDefinition = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.kind', StringEquals: 'a', Next: 'Work' },
        { Variable: '$.kind', StringEquals: 'b', Next: 'Work' },
      ],
      Default: 'Fan',
    },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Work',
      Catch: [
        { ErrorEquals: ['SlotActiveError'], Next: 'Done' },
        { ErrorEquals: ['States.ALL'], Next: 'Done' },
      ],
      Next: 'Done',
    },
    Fan: {
      Type: 'Map',
      ItemProcessor: {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Check',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Record' }],
            End: true,
          },
          Record: { Type: 'Pass', End: true },
        },
      },
      Next: 'Last',
    },
    Last: { Type: 'Choice', Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Done' }] },
    Done: { Type: 'Succeed' },
  },
};

const entered = (stateName: string, input: unknown = {}, index?: number): ExecutionEvent => ({
  type: 'StateEntered',
  timestamp: 0,
  stateName,
  input,
  ...(index === undefined ? {} : { index }),
});
const caught = (stateName: string, errorEquals: string[], next: string, index?: number): ExecutionEvent => ({
  type: 'StateCaught',
  timestamp: 0,
  stateName,
  caught: { errorEquals, next },
  ...(index === undefined ? {} : { index }),
});

describe('coverageItems: what a definition holds', () => {
  it('counts states (Map inner states too), each Choices entry and Default, and each Catch entry', () => {
    const items = coverageItems(MACHINE);
    const keys = (kind: string) => items.filter((i) => i.kind === kind).map((i) => i.key);
    expect(keys('states')).toEqual(['Route', 'Work', 'Fan', 'Check', 'Record', 'Last', 'Done']);
    expect(keys('choices')).toEqual([
      'Route.Choices[0]',
      'Route.Choices[1]',
      'Route.Default',
      'Last.Choices[0]',
    ]);
    expect(keys('catches')).toEqual(['Work.Catch[0]', 'Work.Catch[1]', 'Check.Catch[0]']);
  });

  it('finds the Map in statemachines/health-check.asl.json', () => {
    const definition = JSON.parse(readFileSync(machineFile('health-check'), 'utf8')) as AslDefinition;
    const summary = summarize('health-check', definition, new Set());
    expect(summary.states.all.map((i) => i.state)).toContain('RecordBatchFailure');
    expect(summary.catches.all.map((i) => i.key)).toEqual(['CheckBatch.Catch[0]']);
  });
});

describe('chooseRule: ASL Choice rules as AWS evaluates them', () => {
  const state = (Choices: unknown[], Default?: string) => ({ Type: 'Choice', Choices, Default });

  it('takes the first rule that matches, else the Default, else none', () => {
    const route = MACHINE.States.Route as Record<string, unknown>;
    expect(chooseRule(route, { kind: 'b' })).toEqual({ kind: 'rule', index: 1, next: 'Work' });
    expect(chooseRule(route, { kind: 'z' })).toEqual({ kind: 'default', next: 'Fan' });
    expect(chooseRule(MACHINE.States.Last as Record<string, unknown>, { done: false })).toEqual({
      kind: 'none',
    });
  });

  it('evaluates And, Or and Not', () => {
    const rule = {
      And: [
        { Variable: '$.a', BooleanEquals: true },
        { Or: [{ Variable: '$.n', NumericGreaterThan: 5 }, { Not: { Variable: '$.s', StringEquals: 'x' } }] },
      ],
    };
    expect(matches(rule, { a: true, n: 1, s: 'y' })).toBe(true);
    expect(matches(rule, { a: true, n: 1, s: 'x' })).toBe(false);
    expect(matches(rule, { a: true, n: 6, s: 'x' })).toBe(true);
    expect(matches(rule, { a: false, n: 6, s: 'y' })).toBe(false);
  });

  it.each([
    [{ NumericEquals: 1 }, 1, true],
    [{ NumericLessThan: 1 }, 0.5, true],
    [{ NumericLessThanEquals: 1 }, 1, true],
    [{ NumericGreaterThanEquals: 2 }, 1, false],
    // No coercion: AWS compares only like types ("5" > 0 is true in JavaScript).
    [{ NumericGreaterThan: 0 }, '5', false],
    [{ StringEquals: 'stopped' }, 'stopped', true],
    [{ StringLessThan: 'b' }, 'a', true],
    [{ StringGreaterThanEquals: 'b' }, 'a', false],
    [{ StringMatches: '*STOPPED_AT_*' }, 'Stop Reason STOPPED_AT_SERVER_TIME', true],
    [{ StringMatches: '*STOPPED_AT_*' }, 'Stop Reason FATAL_ERROR', false],
    [{ StringMatches: 'a\\*b' }, 'a*b', true],
    [{ StringMatches: 'a\\*b' }, 'axb', false],
    [{ BooleanEquals: false }, false, true],
    [{ BooleanEquals: true }, 'true', false],
    [{ TimestampLessThan: '2026-03-01T12:00:00Z' }, '2026-03-01T11:59:59.5Z', true],
    [{ TimestampGreaterThan: '2026-03-01T12:00:00Z' }, '2026-03-01T13:00:00+02:00', false],
    [{ TimestampEquals: '2026-03-01T12:00:00Z' }, 'not a time', false],
    [{ IsNull: true }, null, true],
    [{ IsNull: false }, 0, true],
    [{ IsString: true }, 'x', true],
    [{ IsNumeric: true }, '1', false],
    [{ IsBoolean: false }, 1, true],
    [{ IsTimestamp: true }, '2026-03-01T12:00:00Z', true],
  ])('%j on %j is %s', (operator, value, expected) => {
    expect(matches({ Variable: '$.v', ...operator }, { v: value })).toBe(expected);
  });

  it('compares with another field through the ...Path variants', () => {
    const input = { lag: 10, max: 20, status: 'running', want: 'running', at: '2026-03-01T12:00:00Z' };
    expect(matches({ Variable: '$.lag', NumericLessThanPath: '$.max' }, input)).toBe(true);
    expect(matches({ Variable: '$.status', StringEqualsPath: '$.want' }, input)).toBe(true);
    expect(matches({ Variable: '$.at', TimestampEqualsPath: '$.at' }, input)).toBe(true);
  });

  it('IsPresent reads a missing path; every other test fails the state on one (States.Runtime)', () => {
    expect(matches({ Variable: '$.a.b', IsPresent: true }, { a: {} })).toBe(false);
    expect(matches({ Variable: '$.a.b', IsPresent: false }, { a: {} })).toBe(true);
    expect(matches({ Variable: '$.a', IsPresent: true }, { a: null })).toBe(true);
    expect(() => matches({ Variable: '$.a.b', BooleanEquals: true }, { a: {} })).toThrow(MissingPathError);
    expect(() => chooseRule(state([{ Variable: '$.x', IsNull: true, Next: 'N' }], 'D'), {})).toThrow(
      MissingPathError,
    );
  });

  it('applies the state InputPath before the rules', () => {
    const choice = {
      ...state([{ Variable: '$.kind', StringEquals: 'a', Next: 'A' }], 'D'),
      InputPath: '$.decided',
    };
    expect(chooseRule(choice, { decided: { kind: 'a' } })).toMatchObject({ kind: 'rule', index: 0 });
  });

  it('refuses what it cannot evaluate instead of guessing', () => {
    expect(() => matches({ Variable: '$$.Execution.Name', StringEquals: 'x' }, {})).toThrow(
      ChoiceEvaluationError,
    );
    expect(() => matches({ Variable: '$.v', StringFuzzy: 'x' }, { v: 'x' })).toThrow(
      /unknown Choice operator/,
    );
    expect(() => matches({ Variable: '$.v', BooleanLessThan: true }, { v: true })).toThrow(/unknown/);
    expect(() => matches({ StringEquals: 'x' }, {})).toThrow(/no Variable/);
  });

  it('reads reference paths: dots, quoted names and indexes', () => {
    expect(pathSegments('$')).toEqual([]);
    expect(pathSegments("$.a['b c'][2].d")).toEqual(['a', 'b c', 2, 'd']);
    expect(() => pathSegments('$.a[*]')).toThrow(/cannot read the path/);
    expect(matches({ Variable: '$.list[1].ok', BooleanEquals: true }, { list: [{}, { ok: true }] })).toBe(
      true,
    );
    expect(wildcard('*.log').test('a.log')).toBe(true);
    expect(wildcard('*.log').test('alog')).toBe(false);
  });
});

describe('executionCoverage: one run read against its definition', () => {
  it('counts states entered, the Choice rule confirmed by the next state, and the Catch entry by index', () => {
    const coverage = executionCoverage(MACHINE, [
      entered('Route', { kind: 'b' }),
      entered('Work'),
      caught('Work', ['States.ALL'], 'Done'),
      entered('Done'),
    ]);
    expect(coverage.mismatches).toEqual([]);
    expect(coverage.covered.sort()).toEqual(
      ['Done', 'Route', 'Route.Choices[1]', 'Work', 'Work.Catch[1]'].sort(),
    );
  });

  it('follows Map iterations that interleave, and nested Catch entries', () => {
    const coverage = executionCoverage(MACHINE, [
      entered('Route', { kind: 'z' }),
      entered('Fan'),
      entered('Check', {}, 0),
      entered('Check', {}, 1),
      caught('Check', ['States.ALL'], 'Record', 1),
      entered('Record', {}, 1),
      entered('Last', { done: true }),
      entered('Done'),
    ]);
    expect(coverage.mismatches).toEqual([]);
    expect(coverage.covered).toEqual(
      expect.arrayContaining(['Route.Default', 'Check', 'Record', 'Check.Catch[0]', 'Last.Choices[0]']),
    );
  });

  it('reports a Choice whose evaluation disagrees with the state the run entered, and counts nothing for it', () => {
    const coverage = executionCoverage(MACHINE, [entered('Route', { kind: 'a' }), entered('Fan')]);
    expect(coverage.covered).not.toContain('Route.Choices[0]');
    expect(coverage.mismatches).toEqual([
      'Route: the rules say Route.Choices[0] -> Work, but the run entered Fan',
    ]);
    const missing = executionCoverage(MACHINE, [entered('Route', {}), entered('Fan')]);
    expect(missing.mismatches[0]).toMatch(/^Route: evaluation failed \(\$\.kind names nothing/);
    const none = executionCoverage(MACHINE, [entered('Last', { done: false }), entered('Done')]);
    expect(none.mismatches).toEqual(['Last: no rule matches, but the run entered Done']);
  });

  it('does not count a Choice the run never left (stopped, or failed on a missing path)', () => {
    const coverage = executionCoverage(MACHINE, [entered('Route', {})]);
    expect(coverage).toEqual({ covered: ['Route'], mismatches: [] });
  });

  it('reports a catch that is not in the state Catch list', () => {
    const coverage = executionCoverage(MACHINE, [entered('Work'), caught('Work', ['Other'], 'Done')]);
    expect(coverage.mismatches).toEqual([
      'Work: caught by {"errorEquals":["Other"],"next":"Done"}, which is not in its Catch',
    ]);
  });
});

describe('merging, checking and reporting', () => {
  const run = mergeExecutions([
    { machine: 'm', covered: ['Route', 'Route.Choices[0]', 'Work'], mismatches: [] },
    { machine: 'm', covered: ['Route', 'Route.Default', 'Fan', 'Check'], mismatches: ['Last: x'] },
    { machine: 'other', covered: ['Route'], mismatches: [] },
  ]);
  const summary = summarize('m', MACHINE, run.covered.get('m') ?? new Set());

  it('unions what the executions covered, per machine', () => {
    expect([...(run.covered.get('m') ?? [])].sort()).toEqual(
      ['Check', 'Fan', 'Route', 'Route.Choices[0]', 'Route.Default', 'Work'].sort(),
    );
    expect(run.mismatches).toEqual(['m Last: x']);
    expect(summary.states).toMatchObject({ covered: 4, total: 7 });
    expect(summary.choices).toMatchObject({ covered: 2, total: 4 });
    expect(summary.catches).toMatchObject({ covered: 0, total: 3 });
  });

  it('passes only when exactly the pending items are uncovered', () => {
    const uncovered = [
      'Record',
      'Last',
      'Done',
      'Route.Choices[1]',
      'Last.Choices[0]',
      'Work.Catch[0]',
      'Work.Catch[1]',
      'Check.Catch[0]',
    ];
    expect(checkPassed(checkCoverage([summary], { m: uncovered }))).toBe(true);
    expect(checkCoverage([summary], { m: uncovered.slice(1) })).toEqual({
      uncovered: ['m Record'],
      nowCovered: [],
      unknown: [],
    });
    expect(checkCoverage([summary], { m: [...uncovered, 'Work', 'Gone.Catch[0]'] })).toEqual({
      uncovered: [],
      nowCovered: ['m Work'],
      unknown: ['m Gone.Catch[0]'],
    });
  });

  it('prints the --json shape with the uncovered items by state and index', () => {
    const [machine] = coverageJson([summary]).machines;
    expect(machine).toEqual({
      name: 'm',
      states: { covered: 4, total: 7 },
      choices: { covered: 2, total: 4 },
      catches: { covered: 0, total: 3 },
      uncovered: {
        states: ['Record', 'Last', 'Done'],
        choices: [
          { state: 'Route', rule: 1 },
          { state: 'Last', rule: 0 },
        ],
        catches: [
          { state: 'Work', index: 0 },
          { state: 'Work', index: 1 },
          { state: 'Check', index: 0 },
        ],
      },
    });
  });

  it('prints a table and the uncovered items, marking the pending ones', () => {
    const text = formatCoverage([summary], { m: ['Record'] });
    expect(text).toContain('machine  states     choices    catches');
    expect(text).toContain('m        4/7 (57%)  2/4 (50%)  0/3 (0%)');
    expect(text).toContain('  Record  (pending)');
    expect(text).toContain('  Work.Catch[1]\n');
  });
});

describe('recording executions from the runner', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts only the statemachines/ files, by real path', () => {
    expect(coveredMachineOf(machineFile('recover'))).toBe('recover');
    expect(coveredMachineOf(path.relative(process.cwd(), machineFile('cutover')))).toBe('cutover');
    expect(coveredMachineOf('test/e2e/fixtures/runner-cutover.asl.json')).toBeUndefined();
  });

  it('the runner records each execution of a statemachines/ file', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'asl-coverage-unit-'));
    const before = process.env[ASL_COVERAGE_DIR_ENV];
    process.env[ASL_COVERAGE_DIR_ENV] = dir;
    try {
      const result = await runStateMachine({
        definitionPath: machineFile('health-check'),
        tasks: {
          HealthCheckFunctionArn: async () => ({ ok: 1 }),
          'arn:aws:states:::aws-sdk:ssm:getParameter': async () => ({}),
          'arn:aws:states:::aws-sdk:s3:getObject': async () => ({}),
        },
        input: { sources: [{ name: 'orders-db' }] },
      });
      expect(result.status).toBe('SUCCEEDED');
    } finally {
      if (before === undefined) delete process.env[ASL_COVERAGE_DIR_ENV];
      else process.env[ASL_COVERAGE_DIR_ENV] = before;
    }
    const [recorded, ...more] = readRecorded(dir);
    expect(more).toEqual([]);
    expect(recorded?.machine).toBe('health-check');
    expect(recorded?.covered.sort()).toEqual(
      [
        'ChooseConfiguration',
        'ChooseConfiguration.Default',
        'ChooseDefaults',
        'ChooseDefaults.Default',
        'NoDefaults',
        'PlanBatches',
        'ChooseFleetSize',
        'ChooseFleetSize.Default',
        'CheckSources',
        'CheckBatch',
        'Summarize',
      ].sort(),
    );
  });

  it('appends one line per execution while a run collects, and nothing otherwise', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'asl-coverage-unit-'));
    const events = [
      entered('ChooseConfiguration', { sources: [] }),
      entered('ChooseDefaults', { sources: [] }),
    ];
    recordExecution(machineFile('health-check'), events, {});
    expect(readRecorded(dir)).toEqual([]);
    const env = { [ASL_COVERAGE_DIR_ENV]: dir };
    recordExecution(machineFile('health-check'), events, env);
    recordExecution('test/e2e/fixtures/runner-cutover.asl.json', events, env);
    recordExecution(undefined, events, env);
    expect(readRecorded(dir)).toEqual([
      {
        machine: 'health-check',
        covered: ['ChooseConfiguration', 'ChooseConfiguration.Default', 'ChooseDefaults'],
        mismatches: [],
      },
    ]);
  });
});
