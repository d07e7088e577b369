// Writes openapi.json from the code (npm run openapi). The OpenAPI spec test fails when they differ.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp } from '../test/support/test-app';
import { prepareTemplate } from '../test/support/test-database';

async function main(): Promise<void> {
  await prepareTemplate();
  const t = await startTestApp();
  try {
    const doc = (await t.http().get('/openapi.json').expect(200)).body;
    // Compiled to build/scripts/, two levels below the repository root.
    writeFileSync(join(__dirname, '..', '..', 'openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
  } finally {
    await t.close();
  }
}

void main();
