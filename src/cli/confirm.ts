// The confirmation every destructive command asks for: the cluster's name typed back (as GitHub asks
// for a repository's name before deleting it), or --yes for scripts.
import * as readline from 'node:readline/promises';

export async function confirmByName(cluster: string, what: string[], yes: boolean | undefined): Promise<boolean> {
  console.log(what.join('\n'));
  if (yes) return true;
  if (!process.stdin.isTTY)
    throw new Error(`refusing to go on without a confirmation: run this in a terminal to type the cluster's name, or add --yes`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`Type the cluster's name (${cluster}) to go on: `)).trim();
    if (answer === cluster) return true;
    console.error(`"${answer}" is not ${cluster}: nothing done`);
    return false;
  } finally {
    rl.close();
  }
}
