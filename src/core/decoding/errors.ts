import { OrchestratorError } from '../errors.js';

const EXCERPT_BEFORE = 16;
const EXCERPT_AFTER = 24;

export interface DecodingRowContext {
  /** Index of the row in the batch given to groupTransactions. */
  readonly row: number;
  readonly lsn: string;
}

/**
 * A `data` line that is not test_decoding output as this parser knows it, or rows that do not
 * form whole transactions. Names the offset in the line and a short excerpt around it.
 */
export class DecodingParseError extends OrchestratorError {
  override readonly name = 'DecodingParseError';
  readonly reason: string;
  readonly offset: number;
  /** Up to 40 characters of the line around `offset` (short on purpose: lines carry row data). */
  readonly excerpt: string;
  readonly row: number | undefined;
  readonly lsn: string | undefined;

  constructor(reason: string, line: string, offset: number, context?: DecodingRowContext, remedy?: string) {
    const start = Math.max(0, offset - EXCERPT_BEFORE);
    const excerpt = line.slice(start, offset + EXCERPT_AFTER);
    const where = context ? ` (row ${context.row}, lsn ${context.lsn})` : '';
    super(
      `cannot decode test_decoding output${where}: ${reason} at offset ${offset} in ` +
        `${start > 0 ? '...' : ''}${JSON.stringify(excerpt)}${offset + EXCERPT_AFTER < line.length ? '...' : ''}`,
      remedy ??
        'Read the slot with the test_decoding plugin and hand the data column over unchanged ' +
          '(PostgreSQL 17 format, without stream-changes or two-phase decoding); if it is, report the excerpt',
    );
    this.reason = reason;
    this.offset = offset;
    this.excerpt = excerpt;
    this.row = context?.row;
    this.lsn = context?.lsn;
  }

  /** The same error placed at a row of a batch. */
  inRow(line: string, context: DecodingRowContext): DecodingParseError {
    return new DecodingParseError(this.reason, line, this.offset, context, this.remedy);
  }
}
