// hakube's own directory on the machine it runs on: the embedded server's state, its PID files, the
// codec key file. Kept apart so the key file code does not import the dev server's.
import * as os from 'node:os';
import * as path from 'node:path';

export const hakubeHome = (env: NodeJS.ProcessEnv = process.env) => env.HAKUBE_HOME || path.join(os.homedir(), '.hakube');
