// The six-host lab for integration tests: brought up by the test (idempotent), taken down only
// if this test started it, so a developer's running lab is left alone.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';

export const LAB_DIR = path.resolve(__dirname, '../../lab');
export const canRunLab = (): boolean => process.getuid?.() === 0 && process.env.HAKUBE_SKIP_LAB !== '1';

function lab(...args: string[]): void {
  const r = spawnSync('bash', [path.join(LAB_DIR, 'lab.sh'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run lab -- ${args.join(' ')} failed (${r.status})`);
}

export interface Lab {
  spec: ClusterSpec;
  down(): void;
}

/**
 * Brings the lab up; `fresh` recreates the six hosts blank (whatever was installed on them is lost). The
 * lane is always named (stand-ins unless asked): `lab up` alone keeps whichever lane ran last.
 */
export function labUp(options: { fresh?: boolean; kubernetes?: 'standin' | 'real' } = {}): Lab {
  const alreadyUp = fs.existsSync(path.join(LAB_DIR, '.state/dockerd.pid')) && spawnSync('docker', ['inspect', 'master01']).status === 0;
  lab('up', ...(options.fresh ? ['--fresh'] : []), '--kubernetes', options.kubernetes ?? 'standin');
  const { spec } = loadInventory(path.join(LAB_DIR, 'cluster.yaml'), { requireKeyFiles: true });
  return { spec, down: () => (alreadyUp ? undefined : lab('down')) };
}
