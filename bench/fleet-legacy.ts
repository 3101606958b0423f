import { MemoryAlertStateStore } from '../src/adapters/local/alert-state-store.js';
import { LocalSnsSink } from '../src/adapters/local/sns-sink.js';
import { connectPg } from '../src/adapters/pg/client.js';
import { connectionFromSecret, toPgConfig } from '../src/adapters/pg/connection.js';
import { pgSourceOpener } from '../src/adapters/pg/health.js';
import { systemClock } from '../src/adapters/system-clock.js';
import { resolveSource, SourceCheckInputSchema } from '../src/core/health/config.js';
import { runHealthCheck } from '../src/core/health/run.js';
import type { TaskHandler } from '../src/local/stepfunctions/index.js';
import type { Fleet } from '../test/e2e/health-check-fleet.js';

/**
 * For bench/fleet.bench.ts only: the per-source handler the machine invoked before batching (one
 * source per invocation, its full result returned into the state, pg's 10 s connect timeout from
 * toPgConfig and a 15 s statement_timeout), rebuilt from the same parts so both machines run
 * against the same fleet.
 */
export function legacyTasks(fleet: Fleet, sinkFile: string): Record<string, TaskHandler> {
  const state = new MemoryAlertStateStore();
  const alerts = new LocalSnsSink({ path: sinkFile });
  const check: TaskHandler = async (event: unknown) => {
    const input = SourceCheckInputSchema.parse(event);
    const source = resolveSource(input.source, input.defaults);
    const { result } = await runHealthCheck(source, {
      openSource: async (use) => {
        const target = fleet.targets.get(source.secretArn ?? '');
        const secret = JSON.stringify({
          username: 'postgres',
          password: 'x',
          host: '127.0.0.1',
          port: target?.port ?? 1,
          dbname: target?.dbname ?? 'postgres',
        });
        const connection = connectionFromSecret(secret, { tls: 'disable' });
        const config = { ...toPgConfig(connection, 'dms-cdc-health-check'), statement_timeout: 15_000 };
        return pgSourceOpener(config, connectPg)(use);
      },
      cloud: { read: async () => ({ rds: null, dms: [] }) },
      clock: systemClock,
      alerts,
      state,
    });
    return result;
  };
  return {
    HealthCheckFunctionArn: check,
    'arn:aws:states:::aws-sdk:ssm:getParameter': () => {
      throw new Error('not expected');
    },
    'arn:aws:states:::aws-sdk:s3:getObject': () => {
      throw new Error('not expected');
    },
  };
}
