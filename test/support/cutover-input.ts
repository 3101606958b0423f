import { selectionMappings } from '../../src/local/table-mappings.js';

/**
 * A valid cutover input for the orders database in eu-west-1, as a user writes it. It carries the
 * target's secret: a cutover that stops the task verifies the target, so it needs one.
 */
export const ORDERS_CUTOVER_INPUT = {
  name: 'orders',
  source: {
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf',
    database: 'orders',
    sslMode: 'require',
  },
  slot: { name: 'dms_orders' },
  replicationInstanceArn: 'arn:aws:dms:eu-west-1:123456789012:rep:ABCDEF',
  target: {
    endpointArn: 'arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET',
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-target-XyZ123',
  },
  tableMappings: selectionMappings({ schema: 'public' }),
};
