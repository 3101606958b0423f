import * as z from 'zod';

/** A Secrets Manager secret ARN, in any partition: what the cutover and recover inputs name a credential by. */
export const SecretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
    'must be a Secrets Manager secret ARN',
  );

/** A DMS ARN of one resource kind (replication instance, endpoint, certificate or task), in any partition. */
export const DmsArn = (kind: 'rep' | 'endpoint' | 'cert' | 'task') =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:${kind}:[A-Za-z0-9-]+$`),
      `must be a DMS ${kind} ARN`,
    );
