/**
 * The type to cast a decoded value to, from the type test_decoding printed.
 *
 * test_decoding prints types with format_type_be, which drops the typmod. For every type but two
 * the bare name is the unconstrained type (`character varying`, `numeric`, `timestamp without
 * time zone`, ...), so `$1::<printed type>` keeps the value. The two exceptions mean length 1 as
 * cast targets and an explicit cast truncates silently: `'abc'::character` is `'a'` and
 * `'1010'::bit` is `'1'`. For those the unconstrained types are `bpchar` and `bit varying`; the
 * target column's own type then applies its length (and errors rather than truncates on bit).
 */
export function castableType(type: string): string {
  let dims = 0;
  while (type.endsWith('[]', type.length - dims * 2)) dims += 1;
  const base = type.slice(0, type.length - dims * 2);
  const suffix = '[]'.repeat(dims);
  if (base === 'character') return `bpchar${suffix}`;
  if (base === 'bit') return `bit varying${suffix}`;
  return type;
}

/**
 * Settings for the session that reads the slot, and for the one that applies its values.
 *
 * test_decoding renders values with the *decoding session's* output settings, so the text depends
 * on them: with DateStyle 'SQL, DMY' a timestamptz reads '04/03/2024 07:36:07 IST' (an ambiguous
 * zone abbreviation), bytea_output 'escape' gives '\\336\\255', IntervalStyle 'postgres_verbose'
 * gives '@ 1 mon'. And format_type_be schema-qualifies a type only when it is not visible on the
 * search_path, so with an empty search_path every user-defined type arrives qualified
 * (`public.mood`) and casts the same way in any session. Set these in both sessions.
 */
export const DECODING_SESSION_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  TimeZone: 'UTC',
  bytea_output: 'hex',
  extra_float_digits: '1',
  lc_monetary: 'C',
  search_path: '',
});
