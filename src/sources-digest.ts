// Which hakube this is: a digest of its sources, for what must change with any change of them (the
// workflow bundle's cache key, the host state record's version). A leaf: Node built-ins only, so every
// layer may use it.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = __dirname;

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), keep) : keep(e.name) ? [path.join(dir, e.name)] : []));
}

/** Adds every file under `dir` that `keep` takes (its path below dir, then its content) to `hash`, in a stable order. */
export function hashTree(hash: Hash, dir: string, keep: (name: string) => boolean = () => true): Hash {
  for (const file of filesUnder(dir, keep)) hash.update(`\0${path.relative(dir, file)}\0`).update(fs.readFileSync(file));
  return hash;
}

/** What the bundle is made of: every source file (path and content) and the SDK's version. */
export function sourcesHash(): string {
  const hash = createHash('sha256');
  const sdk = require.resolve('@temporalio/workflow/package.json');
  hash.update((JSON.parse(fs.readFileSync(sdk, 'utf8')) as { version: string }).version);
  return hashTree(hash, SRC, (name) => name.endsWith('.ts'))
    .digest('hex')
    .slice(0, 16);
}
