import { defaultDms } from './dms.js';
import { type DmsLambdaDeps, withDefaults } from './lambda.js';
import { sharedLogger } from './logger.js';

/** The production defaults of a function that only calls DMS, for what the caller did not inject. */
export function dmsLambdaDeps(overrides: Partial<DmsLambdaDeps>): DmsLambdaDeps {
  return withDefaults(overrides, { dms: defaultDms, logger: sharedLogger });
}
