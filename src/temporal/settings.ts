// Where Temporal is: TEMPORAL_ADDRESS and friends (a real cluster), or the embedded dev server.
import * as fs from 'node:fs';

export const DEFAULT_TASK_QUEUE = 'hakube';
export const LOCAL_ADDRESS = '127.0.0.1:7233';
export const LOCAL_UI = 'http://localhost:8233';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer };
  /** Set when no TEMPORAL_ADDRESS is given: hakube starts (or reuses) a local dev server. */
  embedded: boolean;
  webUi?: string;
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const address = env.TEMPORAL_ADDRESS || '';
  const read = (name: string) => {
    const file = env[name];
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`${name}=${file}: cannot read: ${(err as Error).message}`, { cause: err });
    }
  };
  const crt = read('TEMPORAL_TLS_CERT');
  const key = read('TEMPORAL_TLS_KEY');
  const ca = read('TEMPORAL_TLS_CA');
  if (!!crt !== !!key) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  return {
    address: address || LOCAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    tls: crt || ca ? { clientCertPair: crt && key ? { crt, key } : undefined, serverRootCACertificate: ca } : undefined,
    embedded: !address,
    webUi: env.TEMPORAL_WEB_UI || (address ? undefined : LOCAL_UI),
  };
}
