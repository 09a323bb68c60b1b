// Where the workflow bundle's entry is (kept apart from worker.ts so tests need no activity code).
import * as path from 'node:path';

export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');
/** Bundled with the workflows too: the client, the worker and the sandbox encode failures alike. */
export const FAILURE_CONVERTER_PATH = path.resolve(__dirname, 'failure-converter.ts');
