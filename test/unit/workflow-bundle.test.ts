// The workflow bundle cache: built once per version of the sources, then read back; old versions pruned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workflowBundle } from '../../src/temporal/workflow-bundle';
import { sourcesHash } from '../../src/sources-digest';
import { tempDir } from '../helpers/inventory';

test(
  'the workflow bundle is cached under the sources hash; other versions beyond the last three are removed',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir('hakube-bundle-');
    for (const [i, h] of ['0000000000000001', '0000000000000002', '0000000000000003'].entries()) {
      fs.writeFileSync(path.join(dir, `workflows-${h}.js`), 'stale');
      fs.utimesSync(path.join(dir, `workflows-${h}.js`), 1000 + i, 1000 + i);
    }
    const built = await workflowBundle(dir);
    assert.match(built.code, /installCluster/);
    const file = path.join(dir, `workflows-${sourcesHash()}.js`);
    assert.equal(fs.readFileSync(file, 'utf8'), built.code);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
    assert.deepEqual(
      fs.readdirSync(dir).sort(),
      ['workflows-0000000000000002.js', 'workflows-0000000000000003.js', path.basename(file)].sort(),
    );
    // Read back, not built: a marker written into the cached file comes back.
    fs.appendFileSync(file, '\n// cached');
    assert.ok((await workflowBundle(dir)).code.endsWith('// cached'));
  },
);
