// hakube plan -f cluster.yaml [--out DIR] [--mermaid FILE]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadInventory } from '../inventory/load';
import { formatProblem } from '../inventory/problems';
import { inventoryAdvisories } from '../inventory/advisories';
import { planMermaid, planText, writePlanFiles } from '../plan/render-plan';

export interface PlanOptions {
  file: string;
  out?: string;
  mermaid?: string;
}

export function planCommand(options: PlanOptions): void {
  const { spec, warnings } = loadInventory(options.file, { requireKeyFiles: false });
  for (const w of warnings) console.warn(`warning: ${formatProblem(w)} (hakube up will refuse this)`);
  for (const advisory of inventoryAdvisories(spec)) console.warn(`warning: ${advisory}`);
  process.stdout.write(planText(spec));
  const mermaid = planMermaid(spec);
  if (options.out) {
    const files = writePlanFiles(spec, options.out);
    fs.writeFileSync(path.join(options.out, 'install-dag.mmd'), mermaid);
    console.log(
      `Rendered ${files.length} files for ${spec.hosts.length} hosts into ${options.out}/<host>/..., the DAG into ${options.out}/install-dag.mmd`,
    );
  }
  if (options.mermaid) fs.writeFileSync(options.mermaid, mermaid);
  if (!options.out && !options.mermaid) process.stdout.write(`\n\`\`\`mermaid\n${mermaid}\`\`\`\n`);
}
