// Builds inventories for tests from the example, with a throwaway SSH key so key checks pass.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';

export const EXAMPLE = path.resolve(__dirname, '../../examples/cluster.yaml');

export function tempDir(prefix = 'hakube-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The example inventory as a YAML document, edited by `edit`, written next to a dummy key file. */
export function writeInventory(edit: (doc: ReturnType<typeof parseDocument>) => void = () => {}): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'id_test'), 'not a real key: only its existence is checked here\n');
  const doc = parseDocument(fs.readFileSync(EXAMPLE, 'utf8'));
  doc.setIn(['ssh', 'keyPath'], 'id_test');
  edit(doc);
  const file = path.join(dir, 'cluster.yaml');
  fs.writeFileSync(file, doc.toString());
  return file;
}
