import * as z from 'zod';
import { EndpointArn, ReplicationInstanceArn } from '../lambda-schemas.js';

/** test-endpoint-connection: a first call, or an earlier call's output passed back whole by the machine. */
export const TestEndpointConnectionInput = z.strictObject({
  replicationInstanceArn: ReplicationInstanceArn,
  endpointArn: EndpointArn,
  /** How long this invocation follows the test before handing the wait to the machine. */
  waitSeconds: z.number().int().min(0).max(600).default(20),
  timeoutSeconds: z.number().int().min(1).max(3600).default(600),
  /** Set by an earlier invocation (its output): continue that test. */
  startedAt: z.iso.datetime().optional(),
  // The rest of an earlier invocation's output, which the machine passes back whole.
  status: z.enum(['successful', 'testing']).optional(),
  done: z.boolean().optional(),
  // The source endpoint step's output, which the cutover machine merges in (States.JsonMerge): not read.
  sourceEndpointArn: EndpointArn.optional(),
  created: z.boolean().optional(),
});
