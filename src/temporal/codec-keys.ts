// The keys that encrypt workflow history (see codec.ts): a JSON file only its owner may read, holding
// every key ever used (old histories stay readable) and which one encrypts new payloads.
// Default ~/.hakube/codec-keys.json (under HAKUBE_HOME); HAKUBE_CODEC_KEYS names another file, e.g. one
// shared by the workers and the operator's codec server on a bastion.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hakubeHome } from './home';

export const KEY_BYTES = 32; // AES-256

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** What the codec needs: the key for new payloads, and any key by the id a payload names. */
export interface KeyRing {
  /** Where the keys are, for error messages (never the keys themselves). */
  readonly source: string;
  current(): CodecKey;
  get(id: string): Buffer | undefined;
  ids(): string[];
}

interface KeyFileJson {
  current: string;
  keys: { id: string; key: string; created: string }[];
}

export const codecKeysFile = (env: NodeJS.ProcessEnv = process.env) =>
  env.HAKUBE_CODEC_KEYS ? path.resolve(env.HAKUBE_CODEC_KEYS) : path.join(hakubeHome(env), 'codec-keys.json');

const newKeyId = () => `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
const newEntry = () => ({ id: newKeyId(), key: randomBytes(KEY_BYTES).toString('base64'), created: new Date().toISOString() });

/**
 * The key file, re-read whenever it changes on disk: a rotation by `hakube codec rotate` reaches running
 * workers and codec servers without a restart (new payloads use the new key, old ones still decode).
 */
export class KeyFile implements KeyRing {
  private loaded?: { stamp: string; current: string; keys: Map<string, Buffer> };

  constructor(readonly source: string) {}

  /** The key file at `file`, created (0600, directory 0700) with one random key when missing. */
  static open(file = codecKeysFile()): KeyFile {
    ensureKeyFile(file);
    const ring = new KeyFile(file);
    ring.state(); // refuse a bad file now, not at the first payload
    return ring;
  }

  current(): CodecKey {
    const s = this.state();
    return { id: s.current, key: s.keys.get(s.current)! };
  }

  get(id: string): Buffer | undefined {
    return this.state().keys.get(id);
  }

  ids(): string[] {
    return [...this.state().keys.keys()];
  }

  private state() {
    const st = statOrThrow(this.source);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (this.loaded?.stamp !== stamp) this.loaded = { stamp, ...readKeyFile(this.source) };
    return this.loaded;
  }
}

function statOrThrow(file: string): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw new Error(`codec key file ${file}: ${(err as Error).message}`, { cause: err });
  }
  // Whoever reads this file reads every workflow history: only its owner may.
  if (st.mode & 0o077)
    throw new Error(
      `codec key file ${file} is readable or writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): ` +
        `run \`chmod 600 ${file}\` (and consider the keys in it exposed: rotate with \`hakube codec rotate\`)`,
    );
  return st;
}

function readKeyFile(file: string): { current: string; keys: Map<string, Buffer> } {
  let json: KeyFileJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFileJson;
  } catch (err) {
    throw new Error(`codec key file ${file}: cannot be read as JSON: ${(err as Error).message}`, { cause: err });
  }
  const bad = (what: string) => new Error(`codec key file ${file}: ${what}`);
  if (!json || typeof json !== 'object' || !Array.isArray(json.keys)) throw bad('no "keys" list');
  const keys = new Map<string, Buffer>();
  for (const [i, k] of json.keys.entries()) {
    if (typeof k?.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(k.id))
      throw bad(`keys[${i}].id must be 1-64 letters, digits, ".", "_" or "-"`);
    const key = Buffer.from(typeof k.key === 'string' ? k.key : '', 'base64');
    if (key.length !== KEY_BYTES) throw bad(`keys[${i}] (${k.id}): the key must be ${KEY_BYTES} bytes, base64`);
    if (keys.has(k.id)) throw bad(`key id ${k.id} appears twice`);
    keys.set(k.id, key);
  }
  if (!keys.has(json.current)) throw bad(`"current" (${String(json.current)}) names no key in the file`);
  return { current: json.current, keys };
}

/** Writes `json` next to `file` with mode 0600 and returns the temporary path (the caller moves it into place). */
function writeTemp(file: string, json: KeyFileJson): string {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(json, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return tmp;
}

/** Creates the key file with one random key unless it exists; two processes starting at once create it once. */
export function ensureKeyFile(file: string): boolean {
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const first = newEntry();
  const tmp = writeTemp(file, { current: first.id, keys: [first] });
  try {
    fs.linkSync(tmp, file); // fails if another process created it meanwhile: theirs is kept
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Adds a new random key and makes it current; every old key stays, so older histories still decode. */
export function rotateKeyFile(file = codecKeysFile()): { id: string; count: number } {
  ensureKeyFile(file);
  // Two rotations at once would each add a key to the same old list, and one key would be lost with
  // the histories it encrypted: rotations take turns on a lock file.
  const lock = `${file}.lock`;
  let fd: number | undefined;
  for (let i = 0; fd === undefined; i++) {
    try {
      fd = fs.openSync(lock, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i >= 100)
        throw new Error(`${lock}: another key rotation holds it; remove it if none runs`, { cause: err });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    statOrThrow(file);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFileJson;
    readKeyFile(file); // validates before anything is changed
    const entry = newEntry();
    const next = { current: entry.id, keys: [...json.keys, entry] };
    fs.renameSync(writeTemp(file, next), file);
    return { id: entry.id, count: next.keys.length };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}
