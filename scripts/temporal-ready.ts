// Waits until the lab's Temporal deployment (docker-compose.temporal.yml) serves hakube, through the same
// client settings hakube reads (@temporalio/envconfig: TEMPORAL_ADDRESS, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
// TEMPORAL_TLS_SERVER_NAME, ...): the frontend answers its gRPC health check over TLS, the namespace
// exists (registered when missing: a new Temporal has none, the auto-setup image's job), and hakube's
// search attributes are registered in it (src/temporal/search-attributes.ts, as `hakube up` does).
// Every wait is bounded: exit 1 naming what did not come after the deadline.
// Run by lab/temporal/up.sh:
//   node --import tsx scripts/temporal-ready.ts [--timeout SECONDS]     (default 180)
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { grpc } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { searchAttributesUsable } from '../src/temporal/search-attributes';
import { connectionOptions, temporalSettings } from '../src/temporal/settings';

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const SERVING = grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;

export interface ReadyOptions {
  timeoutMs?: number;
  log?: (line: string) => void;
  /** Retention of a namespace registered here (default 3 days). */
  retentionSeconds?: number;
}

/** Connects with hakube's settings and returns once the deployment serves the namespace; throws after the deadline. */
export async function waitUntilReady(env: NodeJS.ProcessEnv = process.env, options: ReadyOptions = {}): Promise<void> {
  const { timeoutMs = 180_000, log = () => {}, retentionSeconds = 3 * 86400 } = options;
  const settings = temporalSettings(env);
  if (settings.embedded) throw new Error('TEMPORAL_ADDRESS is not set: nothing to wait for');
  const deadline = Date.now() + timeoutMs;
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  let last = '';
  const until = async <T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      try {
        const value = await attempt();
        if (value !== undefined) return value;
      } catch (err) {
        last = (err as Error).message.split('\n')[0]!;
      }
      if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000}s (last error: ${last || 'none'})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  const connection = await until('a connection to the frontend', async () => {
    return Connection.connect({ ...connectionOptions(settings), connectTimeout: 5_000 });
  });
  try {
    await until('the frontend health check (SERVING)', async () => {
      const r = await connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' });
      return r.status === SERVING ? true : undefined;
    });
    log(`frontend ${settings.address} serving over TLS (${elapsed()})`);
    const namespace = settings.namespace;
    await until(`namespace ${namespace}`, async () => {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } catch (err) {
        if (!isGrpcServiceError(err) || err.code !== GRPC_NOT_FOUND) throw err;
      }
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(retentionSeconds * 1000),
          description: 'hakube (registered by scripts/temporal-ready.ts)',
        });
        log(`namespace ${namespace} registered (retention ${retentionSeconds / 86400} days)`);
      } catch (err) {
        if (!isGrpcServiceError(err) || err.code !== GRPC_ALREADY_EXISTS) throw err;
      }
      return undefined; // described on the next round, once the frontend's namespace cache has it
    });
    log(`namespace ${namespace} ready (${elapsed()})`);
    const names = SEARCH_ATTRIBUTES.map((k) => k.name);
    await until(`search attributes ${names.join(', ')}`, async () => {
      const client = new Client({ connection, namespace });
      if (!(await searchAttributesUsable(client, (line) => (last = line)))) throw new Error(last);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      return names.every((n) => customAttributes?.[n]) ? true : undefined;
    });
    log(`search attributes ${names.join(', ')} registered (${elapsed()})`);
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--timeout');
  const timeoutMs = i > 0 ? Number(process.argv[i + 1]) * 1000 : undefined;
  waitUntilReady(process.env, { timeoutMs, log: (line) => console.error(`ready: ${line}`) }).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(`ready: ${err.message}`);
      process.exit(1);
    },
  );
}
