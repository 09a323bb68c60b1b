// hakube codec rotate | server: the keys that encrypt workflow history, and the codec server that lets
// the operator's Web UI show the payloads decrypted.
import { openCodec } from '../temporal/codec';
import { rotateKeyFile } from '../temporal/codec-keys';
import { startCodecServer } from '../temporal/codec-server';
import { codecPort } from '../temporal/dev-server';
import { temporalSettings } from '../temporal/settings';

export function codecRotateCommand(): number {
  const file = temporalSettings().codecKeys;
  const { id, count } = rotateKeyFile(file);
  console.log(
    `new current key ${id} in ${file} (${count} keys; the older ones still decrypt older histories). ` +
      'Running workers and codec servers pick it up by themselves; copy the file to every other machine that runs a worker or a codec server.',
  );
  return 0;
}

export async function codecServerCommand(options: { port?: string; uiOrigin?: string[]; namespace?: string }): Promise<number> {
  const settings = temporalSettings();
  const uiOrigins = options.uiOrigin?.length ? options.uiOrigin : [settings.webUi ?? 'http://localhost:8233'].map((u) => new URL(u).origin);
  const server = await startCodecServer({
    codec: openCodec(settings.codecKeys),
    port: options.port ? Number(options.port) : codecPort(),
    uiOrigins,
    namespace: options.namespace ?? settings.namespace,
    log: (l) => console.error(l),
  });
  console.log(
    `codec server on ${server.url} for namespace ${options.namespace ?? settings.namespace} and the Web UI at ${uiOrigins.join(', ')} ` +
      `(keys: ${settings.codecKeys}); in the Web UI set the codec endpoint to ${server.url}; Ctrl-C to stop`,
  );
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await server.close();
  return 0;
}
