// The codec server: lets the Temporal Web UI (and `temporal workflow show --codec-endpoint`) show the
// operator decrypted payloads, while the Temporal server itself only ever holds ciphertext. It speaks
// Temporal's remote codec protocol: POST /decode and /encode with {"payloads":[{metadata,data}]} (proto
// JSON: base64 values), answering the same shape.
// It hands out plaintext, so it listens on 127.0.0.1 only (the browser runs on the operator's machine),
// answers browsers only from the Web UI origins it was given (CORS), refuses a Host header other than
// its own address (a DNS-rebinding page cannot reach it under another name), and serves one namespace.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export const DEFAULT_CODEC_PORT = 8234;
export const CODEC_HOST = '127.0.0.1';
const MAX_BODY_BYTES = 16 << 20; // a history page of large payloads, not more

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 picks a free port. */
  port: number;
  /** Web UI origins allowed to call it from a browser, e.g. http://localhost:8233. */
  uiOrigins: string[];
  /** Only this namespace's payloads are decoded (the UI sends X-Namespace). */
  namespace: string;
  log?: (line: string) => void;
}

export interface CodecServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: data ? Buffer.from(data, 'base64') : undefined,
});

const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: data ? Buffer.from(data).toString('base64') : undefined,
});

function parseBody(text: string): Payload[] {
  const body = JSON.parse(text) as { payloads?: unknown };
  if (!body || !Array.isArray(body.payloads)) throw new Error('the body must be {"payloads": [...]}');
  return body.payloads.map((p: unknown, i) => {
    const jp = p as JsonPayload;
    const stringValues = (o: unknown) => o == null || (typeof o === 'object' && Object.values(o).every((v) => typeof v === 'string'));
    if (!jp || typeof jp !== 'object' || !stringValues(jp.metadata) || (jp.data != null && typeof jp.data !== 'string'))
      throw new Error(`payloads[${i}] must be {"metadata": {name: base64}, "data": base64}`);
    return fromJson(jp);
  });
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.uiOrigins.map((o) => o.replace(/\/+$/, '')));
  let port = options.port;
  const server = http.createServer((req, res) => {
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const hosts = [`${CODEC_HOST}:${port}`, `localhost:${port}`];
    if (!hosts.includes(req.headers.host ?? '')) return reply(421, { error: `use http://${CODEC_HOST}:${port}` });
    const origin = req.headers.origin;
    // No Origin: not a browser (the temporal CLI, curl). A browser page from another origin gets nothing.
    if (origin !== undefined) {
      if (!origins.has(origin)) return reply(403, { error: `origin ${origin} is not a Web UI this codec server serves` });
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('vary', 'Origin');
    }
    if (req.method === 'OPTIONS') return reply(204);
    // The path without its query: the Web UI 2.54 posts to /decode?preserveStorageRefs=true.
    const route = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || (route !== '/decode' && route !== '/encode')) return reply(404, { error: 'POST /decode or /encode' });
    const ns = req.headers['x-namespace'];
    if (ns !== undefined && ns !== options.namespace)
      return reply(403, { error: `this codec server serves namespace ${options.namespace}, not ${String(ns)}` });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reply(413, { error: `body over ${MAX_BODY_BYTES} bytes` });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let payloads: Payload[];
      try {
        payloads = parseBody(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        return reply(400, { error: (err as Error).message });
      }
      const op = route === '/decode' ? options.codec.decode(payloads) : options.codec.encode(payloads);
      op.then(
        (out) => reply(200, { payloads: out.map(toJson) }),
        (err: Error) => {
          // The reason (unknown key id, altered payload, key file mode) names files, never key material.
          options.log?.(`codec server: ${route}: ${err.message}`);
          reply(422, { error: err.message });
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, CODEC_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${CODEC_HOST}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** True when a hakube codec server answers on the port (an empty decode comes back empty). */
export async function codecServerAnswers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${CODEC_HOST}:${port}/decode`, {
      method: 'POST',
      body: '{"payloads":[]}',
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(2000),
    });
    const body = (await res.json()) as { payloads?: unknown[] };
    return res.ok && Array.isArray(body.payloads) && body.payloads.length === 0;
  } catch {
    return false;
  }
}
