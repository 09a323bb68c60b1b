// npm run schema: regenerates schema/cluster.schema.json from the zod schema (a test checks it is current).
import * as fs from 'node:fs';
import { inventoryJsonSchema } from '../src/inventory/json-schema';

fs.writeFileSync('schema/cluster.schema.json', JSON.stringify(inventoryJsonSchema(), null, 2) + '\n');
console.log('wrote schema/cluster.schema.json');
