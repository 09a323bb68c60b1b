// Where Temporal is: the SDK's own client configuration (@temporalio/envconfig: TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, temporal.toml profiles chosen by TEMPORAL_PROFILE,
// the file by TEMPORAL_CONFIG_FILE), so hakube reads the same settings as the `temporal` CLI and every
// other SDK. hakube adds only its own: the task queue, the Web UI link, and "embedded" (no address
// configured anywhere: a local dev server on 127.0.0.1).
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { codecKeysFile } from './codec-keys';

export const DEFAULT_TASK_QUEUE = 'hakube';

/**
 * The embedded dev server's ports: HAKUBE_EMBEDDED_PORT (gRPC, default 7233) and its Web UI on that port
 * + 1000, as the Temporal CLI places it (HAKUBE_EMBEDDED_UI_PORT overrides). A second embedded server of
 * its own beside one already running (another HAKUBE_HOME: a test run beside the demo's server) needs them.
 */
export function embeddedPorts(env: NodeJS.ProcessEnv = process.env): { port: number; uiPort: number } {
  const read = (name: string, fallback: number) => {
    const text = env[name];
    if (!text) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${text}: a TCP port (1-65535) is needed`);
    return n;
  };
  const port = read('HAKUBE_EMBEDDED_PORT', 7233);
  return { port, uiPort: read('HAKUBE_EMBEDDED_UI_PORT', port + 1000) };
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLSConfig, or true for TLS with the system CAs (what an API key alone implies), false for none. */
  tls?: TLSConfig | boolean;
  /** Sent as `Authorization: Bearer ...` by both the client and the worker connection (Temporal Cloud API keys). */
  apiKey?: string;
  /** Extra gRPC headers (TEMPORAL_GRPC_META_* or the profile's grpc_meta). */
  metadata?: Record<string, string>;
  /** Set when no address is configured (environment or profile): hakube starts (or reuses) a local dev server. */
  embedded: boolean;
  webUi?: string;
  /** The key file of the payload codec (HAKUBE_CODEC_KEYS, or codec-keys.json under HAKUBE_HOME). */
  codecKeys: string;
  /** The embedded server's Web UI port (embeddedPorts), when embedded. */
  embeddedUiPort?: number;
}

/** hakube's variables from before envconfig, with the SDK's names that replace them. */
const RENAMED: Record<string, string> = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
};

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  // Ignoring an old variable would connect without the client certificate and fail far from the cause.
  for (const [old, now] of Object.entries(RENAMED))
    if (env[old]) throw new Error(`${old} is no longer read: use ${now} (the Temporal SDKs' and CLI's name for it)`);
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  let profile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    const where = env.TEMPORAL_CONFIG_FILE ? ` (TEMPORAL_CONFIG_FILE=${env.TEMPORAL_CONFIG_FILE})` : '';
    throw new Error(`Temporal client configuration${where}: ${(err as Error).message}`, { cause: err });
  }
  // An empty TEMPORAL_ADDRESS means "the embedded server", as before (tests and scripts rely on it).
  const address = profile.address || '';
  let connect;
  try {
    connect = toClientOptions(profile);
  } catch (err) {
    throw new Error(`Temporal TLS settings (TEMPORAL_TLS_* or the profile's [tls]): ${(err as Error).message}`, { cause: err });
  }
  const tls = connect.connectionOptions.tls ?? undefined;
  if (!profile.tls?.clientCert !== !profile.tls?.clientKey) throw new Error('the TLS client certificate and key must be given together');
  // The embedded dev server speaks neither TLS nor API keys: credentials without an address are a mistake.
  if (!address && (profile.apiKey || (tls && typeof tls === 'object')))
    throw new Error(
      "an API key or TLS client settings are configured but no Temporal address: set TEMPORAL_ADDRESS (or the profile's address)",
    );
  const local = address ? undefined : embeddedPorts(env);
  return {
    address: address || `127.0.0.1:${local!.port}`,
    namespace: connect.namespace || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    tls,
    apiKey: profile.apiKey || undefined,
    metadata: profile.grpcMeta,
    embedded: !address,
    webUi: env.TEMPORAL_WEB_UI || (local ? `http://localhost:${local.uiPort}` : undefined),
    codecKeys: codecKeysFile(env),
    embeddedUiPort: local?.uiPort,
  };
}

/** What Connection.connect (client) and NativeConnection.connect (worker) both take. */
export const connectionOptions = (s: TemporalSettings) => ({ address: s.address, tls: s.tls, apiKey: s.apiKey, metadata: s.metadata });
