// What the tests of the lab's API server stand-in share: its Python library (lab/standins/lib), run by
// python3 as on the lab hosts, and the real kubectl they check it against (lab/real-clients/fetch.sh).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STANDIN_LIB = path.resolve(__dirname, '../../lab/standins/lib');
export const REAL_KUBECTL = path.resolve(__dirname, '../../lab/.state/real-clients/kubectl');

/** Why python3 with PyYAML (what the stand-in's hosts have) cannot run here, or undefined. */
export const noPython = spawnSync('python3', ['-c', 'import yaml']).status !== 0 ? 'no python3 with PyYAML' : undefined;

/** Why the tests against the real kubectl cannot run here, or undefined. */
export const noRealKubectl = !fs.existsSync(REAL_KUBECTL)
  ? `no real kubectl at ${REAL_KUBECTL} (run bash lab/real-clients/fetch.sh)`
  : noPython;

/** Runs python3 code with the stand-in's library importable (json and sys imported); its stdout. */
export function runStandinPython(code: string, input = ''): string {
  const script = `import json, sys\nsys.path.insert(0, ${JSON.stringify(STANDIN_LIB)})\n${code}`;
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
