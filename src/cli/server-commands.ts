// `hakube server start|stop`: the embedded Temporal dev server as a background process, so its Web UI
// (and `hakube status/approve`) stay available after `hakube up` returns.
import { codecPort, ensureDevServer, stopDetachedDevServer } from '../temporal/dev-server';
import { temporalSettings } from '../temporal/settings';

export async function serverStartCommand(): Promise<number> {
  const settings = temporalSettings();
  if (!settings.embedded) {
    console.error(`TEMPORAL_ADDRESS is set (${settings.address}): hakube uses that server and starts none`);
    return 1;
  }
  const server = await ensureDevServer(settings.address, {
    detached: true,
    log: (l) => console.log(l),
    codecKeys: settings.codecKeys,
    uiPort: settings.embeddedUiPort,
    namespace: settings.namespace,
  });
  console.log(
    server.startedHere
      ? `Temporal dev server on ${settings.address}, Web UI ${settings.webUi} (payloads decrypted by the codec server on 127.0.0.1:${codecPort()}); stop both with \`hakube server stop\``
      : `a Temporal server already listens on ${settings.address} (Web UI ${settings.webUi}); left as it is`,
  );
  return 0;
}

export async function serverStopCommand(): Promise<number> {
  const stopped = await stopDetachedDevServer();
  console.log(
    (stopped.temporal ? 'Temporal dev server stopped' : 'no Temporal dev server started by `hakube server start` is running') +
      (stopped.codec ? '; its codec server stopped' : ''),
  );
  return 0;
}
