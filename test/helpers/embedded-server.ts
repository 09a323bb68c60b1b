// The embedded dev server as hakube starts it (Web UI, codec server), on free ports and a HAKUBE_HOME
// of its own, started before a file's tests and stopped after them.
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureDevServer, type DevServer } from '../../src/temporal/dev-server';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** A free port whose + 1000 is free too: the embedded server's gRPC port and its Web UI's (embeddedPorts). */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (port + 1000 > 65535) continue;
    const taken = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(true));
      s.listen(port + 1000, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (!taken) return port;
  }
  throw new Error('no free port pair (N, N + 1000) on 127.0.0.1 in 50 tries');
}

export function embeddedServerFixture(prefix: string) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const saved = { home: process.env.HAKUBE_HOME, codec: process.env.HAKUBE_CODEC_PORT };
  const f = {
    home,
    keys: path.join(home, 'codec-keys.json'),
    server: undefined as unknown as DevServer,
    ports: undefined as unknown as { frontend: number; ui: number; codec: number },
  };
  before(async () => {
    f.ports = { frontend: await freePort(), ui: await freePort(), codec: await freePort() };
    process.env.HAKUBE_HOME = home;
    process.env.HAKUBE_CODEC_PORT = String(f.ports.codec);
    f.server = await ensureDevServer(`127.0.0.1:${f.ports.frontend}`, { uiPort: f.ports.ui, codecKeys: f.keys });
  });
  after(async () => {
    await f.server?.stop();
    process.env.HAKUBE_HOME = saved.home;
    process.env.HAKUBE_CODEC_PORT = saved.codec;
    if (saved.home === undefined) delete process.env.HAKUBE_HOME;
    if (saved.codec === undefined) delete process.env.HAKUBE_CODEC_PORT;
  });
  return f;
}
