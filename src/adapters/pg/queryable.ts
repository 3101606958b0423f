export type { Queryable } from '../../ports/pg-session.js';
