// The inventory schema as JSON Schema, for editors (yaml-language-server) and for key suggestions.
import { toJSONSchema } from 'zod';
import { clusterInputSchema } from './schema';

export function inventoryJsonSchema(): Record<string, unknown> {
  return {
    ...toJSONSchema(clusterInputSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://hakube.dev/schema/cluster.schema.json',
    title: 'hakube cluster inventory (cluster.yaml)',
  };
}
