import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodingParseError, parseChange } from '../../../src/core/decoding/index.js';
import { anyMessage, column, line } from './arbitraries.js';
import { quoteIdentifier, renderLine } from './render.js';

describe('parseChange inverts test_decoding rendering', () => {
  it('parse(render(x)) == x for every line kind, identifier, type and value', () => {
    fc.assert(
      fc.property(line, (decoded) => {
        expect(parseChange(renderLine(decoded))).toEqual(decoded);
      }),
      { numRuns: 3000 },
    );
  });

  it('a message whose prefix holds ", sz: " parses to one that renders the same line', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const rendered = renderLine(message);
        expect(renderLine(parseChange(rendered))).toBe(rendered);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['items', 'items'],
    ['_x1', '_x1'],
    ['name', 'name'],
    ['select', '"select"'],
    ['user', '"user"'],
    ['int', '"int"'],
    ['Items', '"Items"'],
    ['1st', '"1st"'],
    ['Weird Col', '"Weird Col"'],
    ['Odd "Name"', '"Odd ""Name"""'],
    ['café', '"café"'],
    ['', '""'],
  ])('the test renderer quotes %j as quote_identifier does: %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it('wide rows: 200 columns of tricky values', () => {
    fc.assert(
      fc.property(fc.array(column, { minLength: 200, maxLength: 200 }), (newTuple) => {
        const decoded = { kind: 'insert' as const, schema: 'public', table: 't', newTuple };
        expect(parseChange(renderLine(decoded))).toEqual(decoded);
      }),
      { numRuns: 20 },
    );
  });
});

describe('parseChange on garbage', () => {
  const onlyDecodingErrors = (input: string) => {
    try {
      parseChange(input);
    } catch (error) {
      if (!(error instanceof DecodingParseError)) throw error;
      expect(error.offset).toBeGreaterThanOrEqual(0);
      expect(error.offset).toBeLessThanOrEqual(input.length);
    }
  };

  it('random strings either parse or throw DecodingParseError', () => {
    const seeded = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .tuple(
          fc.constantFrom(
            '',
            'table ',
            'BEGIN',
            'COMMIT',
            'message: transactional: 1 prefix: ',
            'table public.t: ',
          ),
          fc.string({ maxLength: 100 }),
        )
        .map(([head, tail]) => head + tail),
    );
    fc.assert(fc.property(seeded, onlyDecodingErrors), { numRuns: 5000 });
  });

  it('valid lines cut, spliced or with a character dropped either parse or throw DecodingParseError', () => {
    const mutated = fc
      .tuple(
        line,
        fc.nat(),
        fc.nat(),
        fc.constantFrom('', "'", '"', ' ', ':', '[', ']', '\n', ', '),
        fc.nat(2),
      )
      .map(([decoded, a, b, insert, how]) => {
        const text = renderLine(decoded);
        const i = text.length ? a % text.length : 0;
        const j = text.length ? b % text.length : 0;
        if (how === 0) return text.slice(0, i);
        if (how === 1) return text.slice(0, i) + insert + text.slice(i);
        return text.slice(0, Math.min(i, j)) + text.slice(Math.max(i, j) + 1);
      });
    fc.assert(fc.property(mutated, onlyDecodingErrors), { numRuns: 5000 });
  });

  // Inputs built to make a careless scanner quadratic or loop forever; each returns or throws at once.
  it.each([
    [
      'message prefix full of sz look-alikes',
      `message: transactional: 1 prefix: ${'x, sz: 1 content:'.repeat(50_000)}`,
    ],
    ['a quoted value of doubled quotes', `table public.t: INSERT: a[text]:'${"''".repeat(200_000)}`],
    ['a quoted identifier of doubled quotes', `table "${'""'.repeat(200_000)}`],
    ['nested brackets in a type', `table public.t: INSERT: a[${'['.repeat(200_000)}`],
    ['a type full of quotes', `table public.t: INSERT: a[${'"x"'.repeat(100_000)}`],
    ['many empty columns', `table public.t: INSERT:${' a[integer]:null'.repeat(50_000)}`],
    ['many relations', `table ${'a.b, '.repeat(50_000)}`],
  ])('%s', (_label, input) => {
    onlyDecodingErrors(input);
  });
});
