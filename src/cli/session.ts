// Connecting the CLI to Temporal: the configured cluster, or the embedded dev server.
import type { Client } from '@temporalio/client';
import { connectClient } from '../temporal/client';
import { ensureDevServer, portOpen, type DevServer } from '../temporal/dev-server';
import { temporalSettings, type TemporalSettings } from '../temporal/settings';

export interface Session {
  settings: TemporalSettings;
  client: Client;
  devServer?: DevServer;
  close(): Promise<void>;
}

/** startServer: `up` and `worker` start the embedded server; the other commands only find it. */
export async function openSession(options: { startServer: boolean }): Promise<Session> {
  const settings = temporalSettings();
  let devServer: DevServer | undefined;
  if (settings.embedded) {
    if (options.startServer)
      devServer = await ensureDevServer(settings.address, {
        log: (l) => console.log(l),
        codecKeys: settings.codecKeys,
        uiPort: settings.embeddedUiPort,
        namespace: settings.namespace,
      });
    else {
      const [host, port] = settings.address.split(':');
      if (!(await portOpen(host, Number(port))))
        throw new Error(
          `no Temporal server at ${settings.address}: start the install with \`hakube up -f cluster.yaml\` (or set TEMPORAL_ADDRESS)`,
        );
    }
  }
  const client = await connectClient(settings);
  return {
    settings,
    client,
    devServer,
    close: async () => {
      await client.connection.close();
      if (devServer?.startedHere) await devServer.stop();
    },
  };
}

export const workflowLink = (s: TemporalSettings, workflowId: string) =>
  s.webUi ? `${s.webUi}/namespaces/${s.namespace}/workflows/${encodeURIComponent(workflowId)}` : undefined;
