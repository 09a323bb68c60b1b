// Version comparison for what hosts report (kernel 6.1.0-18-amd64, containerd v2.2.1, 1.7.24~ds1):
// the leading dotted numbers are compared, anything after them is ignored. Pure, unit-tested.

/** The leading numeric components: "v2.2.1-rc" -> [2, 2, 1]; "6.1.0-18-amd64" -> [6, 1, 0]. */
export function versionNumbers(version: string): number[] {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(version.trim());
  return m ? m[1].split('.').map(Number) : [];
}

/** Whether `version` is at least `minimum` (missing components count as 0). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const have = versionNumbers(version);
  const need = versionNumbers(minimum);
  if (!have.length) return false;
  for (let i = 0; i < Math.max(have.length, need.length); i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}
