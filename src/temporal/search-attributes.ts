// Registers hakube's search attributes in the namespace before a workflow uses them (Temporal refuses a
// start naming an unregistered one). The embedded dev server lets anyone register; a shared Temporal may
// not: then runs start without them (filtering by workflow id still works) and the operator is told
// the one command that registers them.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const known = new WeakMap<Client, Promise<boolean>>();

/** Whether the namespace has hakube's search attributes (registering the missing ones); asked once per client. */
export function searchAttributesUsable(client: Client, log: (line: string) => void = console.error): Promise<boolean> {
  let answer = known.get(client);
  if (!answer) known.set(client, (answer = register(client, log)));
  return answer;
}

async function register(client: Client, log: (line: string) => void): Promise<boolean> {
  const namespace = client.options.namespace;
  const names = SEARCH_ATTRIBUTES.map((k) => k.name);
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = names.filter((n) => !customAttributes?.[n]);
    if (missing.length)
      await client.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((n) => [n, KEYWORD])),
      });
    return true;
  } catch (err) {
    log(
      `hakube: the search attributes ${names.join(', ')} could not be registered in namespace ${namespace} (${(err as Error).message}); ` +
        `runs start without them. To filter the Web UI by cluster, register them once: ` +
        names.map((n) => `temporal operator search-attribute create --namespace ${namespace} --name ${n} --type Keyword`).join('; '),
    );
    return false;
  }
}
