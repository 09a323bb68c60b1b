// The workflow bundle, built once per version of the sources and kept under ~/.hakube/cache: webpack
// takes seconds on every `hakube up` otherwise (a no-op re-run is meant to take seconds in all). The key
// is a hash of every source file and the SDK's version, so any change, anywhere in src/, builds anew; a
// bundle that cannot be read or written is simply built in memory.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH, WORKFLOWS_PATH } from './worker-paths';
import { hakubeHome } from './home';

const SRC = path.resolve(__dirname, '..');
/** Bundles of other source versions kept (a checkout switched back and forth stays fast). */
const KEPT = 3;

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

const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never;

/** The bundle for the sources as they are: from the cache, or built (and cached). */
export async function workflowBundle(cacheDir = path.join(hakubeHome(), 'cache')): Promise<WorkflowBundle> {
  const file = path.join(cacheDir, `workflows-${sourcesHash()}.js`);
  try {
    return { code: fs.readFileSync(file, 'utf8') };
  } catch {
    /* not built yet for these sources */
  }
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quiet });
  try {
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, bundle.code, { mode: 0o600 });
    fs.renameSync(tmp, file); // whole or not at all: two commands may build at once
    const old = fs
      .readdirSync(cacheDir)
      .filter((f) => /^workflows-[0-9a-f]+\.js$/.test(f))
      .map((f) => ({ f, t: fs.statSync(path.join(cacheDir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .slice(KEPT);
    for (const { f } of old) fs.rmSync(path.join(cacheDir, f), { force: true });
  } catch {
    /* a read-only home: built each time, as before */
  }
  return { code: bundle.code };
}
