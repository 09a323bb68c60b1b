// One refused inventory value: which field, what it held, what is wrong and what to do.
export interface Problem {
  /** Dotted path with indexes, e.g. hosts[3].address */
  field: string;
  value?: unknown;
  message: string;
}

export class InventoryError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(`${file}: ${problems.length} problem(s):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'InventoryError';
  }
}

/** Values are shown cut to this many characters: a megabyte of junk is not echoed back. */
const SHOWN_VALUE_MAX = 80;

export function formatProblem(p: Problem): string {
  const json = p.value === undefined ? '' : (JSON.stringify(p.value) ?? String(p.value));
  const cut = json.length > SHOWN_VALUE_MAX ? `${json.slice(0, SHOWN_VALUE_MAX)}... (${json.length} characters)` : json;
  const shown = p.value === undefined ? '' : ` = ${cut}`;
  return `${p.field}${shown}: ${p.message}`;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(top level)';
}

/** The raw value at a path of the parsed YAML, to show the user what they wrote. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}
