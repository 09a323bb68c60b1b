// The one nunjucks environment: templates are data, an undefined variable is an error
// (a typo in a template must fail the plan, not write "undefined" into a host's config).
import * as path from 'node:path';
import nunjucks from 'nunjucks';

export const TEMPLATES_DIR = path.resolve(__dirname, '../../templates');

let env: nunjucks.Environment | undefined;

export function templateEnvironment(): nunjucks.Environment {
  env ??= new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES_DIR, { noCache: false }), {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: false,
    lstripBlocks: false,
  });
  return env;
}

export function renderTemplate(name: string, context: object): string {
  const text = templateEnvironment().render(name, context);
  return text.endsWith('\n') ? text : `${text}\n`;
}
