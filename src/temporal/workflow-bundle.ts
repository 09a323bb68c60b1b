// The workflow bundle, built once per version of the sources and kept under ~/.hakube/cache: webpack
// takes seconds on every `hakube up` otherwise (a no-op re-run is meant to take seconds in all). The key
// is a hash of every source file and the SDK's version, so any change, anywhere in src/, builds anew; a
// bundle that cannot be read or written is simply built in memory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH, WORKFLOWS_PATH } from './worker-paths';
import { hakubeHome } from './home';
import { sourcesHash } from '../sources-digest';

/** Bundles of other source versions kept (a checkout switched back and forth stays fast). */
const KEPT = 3;

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
