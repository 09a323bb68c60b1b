// Failure messages and stack traces go into history as an encoded payload (so through the codec) instead
// of plain text: a step's error can name a host or an address. Loaded by path, also inside the workflow
// sandbox (the workflows' own failures), so it imports nothing but the SDK's common package.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
