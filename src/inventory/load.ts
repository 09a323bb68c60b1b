// cluster.yaml -> ClusterSpec, or an InventoryError listing every problem. Runs before any
// host is touched: the CLI and the workflow starter both go through here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { clusterInputSchema } from './schema';
import { inventoryJsonSchema } from './json-schema';
import { crossFieldProblems } from './checks';
import { normalize } from './normalize';
import { fieldPath, InventoryError, valueAt, type Problem } from './problems';
import type { ClusterSpec } from './spec';

export interface LoadOptions {
  /** `up` needs the SSH keys; `plan` touches no host and only warns about them. */
  requireKeyFiles: boolean;
}

export interface LoadedInventory {
  spec: ClusterSpec;
  /** Problems that only matter once hosts are contacted (missing key files, when not required). */
  warnings: Problem[];
}

export function loadInventory(file: string, options: LoadOptions): LoadedInventory {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InventoryError(file, [{ field: '(file)', value: file, message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parseInventory(text, file, options);
}

/** An inventory is a few kilobytes; anything this big is not one. */
const MAX_INVENTORY_BYTES = 1 << 20;

export function parseInventory(text: string, file: string, options: LoadOptions): LoadedInventory {
  if (text.length > MAX_INVENTORY_BYTES)
    throw new InventoryError(file, [
      { field: '(file)', message: `is ${text.length} bytes; an inventory is at most ${MAX_INVENTORY_BYTES} (a few kilobytes is usual)` },
    ]);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length)
    throw new InventoryError(
      file,
      doc.errors.map((e) => ({ field: `(YAML line ${e.linePos?.[0].line ?? '?'})`, message: e.message.split('\n')[0] })),
    );
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses documents whose aliases expand without bound ("billion laughs").
    throw new InventoryError(file, [
      { field: '(YAML aliases)', message: `${(err as Error).message}; write the values out instead of using many aliases` },
    ]);
  }
  const parsed = clusterInputSchema.safeParse(raw);
  if (!parsed.success)
    throw new InventoryError(
      file,
      parsed.error.issues.flatMap((i) => issueProblems(i, raw)),
    );
  const problems = crossFieldProblems(parsed.data);
  if (problems.length) throw new InventoryError(file, problems);
  let spec;
  try {
    spec = normalize(parsed.data, path.dirname(path.resolve(file)));
  } catch (err) {
    // normalize resolves paths (knownHostsFile) and may refuse one: the error names this file.
    if (err instanceof InventoryError) throw new InventoryError(file, err.problems);
    throw err;
  }
  const fileProblems = missingKeyFiles(
    spec,
    parsed.data.hosts.map((h) => h.name),
  );
  if (fileProblems.length && options.requireKeyFiles) throw new InventoryError(file, fileProblems);
  return { spec, warnings: fileProblems };
}

function issueProblems(issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const where = fieldPath(issue.path);
    return issue.keys.map((key) => ({
      field: issue.path.length ? `${where}.${key}` : key,
      value: valueAt(raw, [...issue.path, key]),
      message: `unknown key (a typo?)${suggestion(key)}; see schema/cluster.schema.json for the allowed keys`,
    }));
  }
  const value = valueAt(raw, issue.path);
  const message = value === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
  return [{ field: fieldPath(issue.path), value, message }];
}

// Suggest the allowed key closest to a typo, when one is close.
const KNOWN_KEYS = collectKeys(inventoryJsonSchema());
function suggestion(key: string): string {
  let best = '';
  let bestDistance = 3;
  for (const known of KNOWN_KEYS) {
    const d = editDistance(key.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best ? `, did you mean "${best}"?` : '';
}

function collectKeys(node: unknown, out = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object') return out;
  const props = (node as { properties?: Record<string, unknown> }).properties;
  if (props) for (const key of Object.keys(props)) out.add(key);
  for (const child of Object.values(node)) collectKeys(child, out);
  return out;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}

function missingKeyFiles(spec: ClusterSpec, order: string[]): Problem[] {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const host of spec.hosts) {
    const keyPath = host.ssh.keyPath;
    if (reported.has(keyPath) || fs.existsSync(keyPath)) continue;
    reported.add(keyPath);
    problems.push({
      field: `hosts[${order.indexOf(host.name)}].ssh.keyPath (or ssh.keyPath)`,
      value: keyPath,
      message: `private key file for ${host.name} does not exist; create it (ssh-keygen -t ed25519) or point ssh.keyPath at yours`,
    });
  }
  return problems;
}
