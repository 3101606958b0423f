export {
  binariesIn,
  binaryPackage,
  DEFAULT_MAJOR,
  MATRIX_MAJORS,
  type PgMajor,
  type PostgresBinaries,
  postgresBinaries,
} from './binaries.js';
export {
  createStandby,
  freePort,
  type PrimaryOptions,
  type StandbyOptions,
  startPrimary,
  waitForReplay,
} from './cluster.js';
export type { Settings, SettingValue } from './config.js';
export { waitForFailoverSlotSync } from './failover.js';
export { type NodeRole, PgNode, type StopMode, sleep } from './node.js';
export { type ParameterDescription, serverParameters } from './parameters.js';
export { isAlive, killAllSync, liveNodeCount, NODES_ROOT, sweepOrphans } from './registry.js';
export { readSlotOn, readSlotsOn } from './slots.js';
