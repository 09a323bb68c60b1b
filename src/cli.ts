// hakube command line. Every command validates the inventory before anything else happens.
import { Command, Option } from 'commander';
import { InventoryError } from './inventory/problems';
import { planCommand } from './cli/plan-command';

const program = new Command();
program
  .name('hakube')
  .description('Install a highly-available Kubernetes cluster on Debian hosts over SSH, as a durable Temporal workflow.')
  .showHelpAfterError();

const inventoryOption = () => new Option('-f, --file <cluster.yaml>', 'the cluster inventory').makeOptionMandatory();

program
  .command('plan')
  .description('validate the inventory, render every file for every host and print the install DAG (no SSH, no Temporal)')
  .addOption(inventoryOption())
  .option('-o, --out <dir>', 'write the rendered files into DIR/<host>/<path> and the DAG into DIR/install-dag.mmd')
  .option('--mermaid <file>', 'write the DAG as a Mermaid graph into FILE')
  .action((opts: { file: string; out?: string; mermaid?: string }) => planCommand(opts));

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof InventoryError) {
      console.error(err.message);
      process.exitCode = 2;
    } else {
      console.error(`hakube: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  }
}

void main();
