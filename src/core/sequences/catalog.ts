import { qualifiedName, type ScopedTable } from '../preflight/scope.js';

/**
 * A sequence as the catalog lists it, with its state. Values are bigint: a sequence runs to
 * 9223372036854775807, past what a JavaScript number holds exactly.
 */
export interface CatalogSequence {
  readonly schema: string;
  readonly name: string;
  readonly increment: bigint;
  readonly minValue: bigint;
  readonly maxValue: bigint;
  /** The table column that owns it (serial, identity, or OWNED BY): dropped with that column. */
  readonly ownedBy: ColumnRef | undefined;
  /** Tables whose column defaults call nextval() on it, owner or not. */
  readonly usedBy: readonly TableRef[];
  /** Created by an extension: not application data. */
  readonly extensionMember: boolean;
  /** undefined when the connected role cannot read it exactly (see SequenceState). */
  readonly state: SequenceState | undefined;
  /** The connected role may call setval() on it (UPDATE privilege). */
  readonly writable: boolean;
}

export interface TableRef {
  readonly schema: string;
  readonly name: string;
}

export interface ColumnRef extends TableRef {
  readonly column: string;
}

/**
 * What setval() sets and the sequence relation holds. With isCalled false, the next nextval() returns
 * lastValue itself (a fresh sequence, or one after ALTER SEQUENCE RESTART or setval(s, v, false)).
 */
export interface SequenceState {
  readonly lastValue: bigint;
  readonly isCalled: boolean;
}

/**
 * The sequences a migration of `tables` carries, in catalog order:
 * - every sequence owned by a column of a table in scope, or called by a default of one;
 * - every standalone sequence (owned by no table, in no default) of a schema that holds a table in
 *   scope: applications call nextval() on those from their own code, and a cutover that forgot one
 *   hands out keys the source already used.
 * A sequence owned by or serving only tables out of scope is left out, as are extension members.
 */
export function sequencesInScope<S extends CatalogSequence>(
  sequences: readonly S[],
  tables: readonly ScopedTable[],
): S[] {
  const inScope = new Set(tables.map(qualifiedName));
  const schemas = new Set(tables.map((t) => t.schema));
  return sequences.filter((s) => {
    if (s.extensionMember) return false;
    const users = [...(s.ownedBy ? [s.ownedBy] : []), ...s.usedBy];
    if (users.length === 0) return schemas.has(s.schema);
    return users.some((t) => inScope.has(qualifiedName(t)));
  });
}

/**
 * The value a sequence stands at: the last value it handed out, or one increment before the next
 * value when it has handed out none (isCalled false). Two sequences in step stand at the same position.
 */
export function position(increment: bigint, state: SequenceState): bigint {
  return state.isCalled ? state.lastValue : state.lastValue - increment;
}
