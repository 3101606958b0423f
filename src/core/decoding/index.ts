export { castableType, DECODING_SESSION_SETTINGS } from './cast.js';
export { DecodingParseError, type DecodingRowContext } from './errors.js';
export { parseChange } from './test-decoding.js';
export {
  type DecodedTransaction,
  type GroupedTransactions,
  groupTransactions,
  type IncompleteTail,
  type SlotChangeRow,
} from './transactions.js';
export * from './types.js';
