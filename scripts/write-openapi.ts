// Writes openapi.json from the code, and the web UI's types generated from it (npm run openapi).
// test/contract/openapi.e2e-spec.ts fails when either differs from what the code gives.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp } from '../test/support/test-app';
import { prepareTemplate } from '../test/support/test-database';
import { CLIENT_TYPES_PATH, clientTypes } from './client-types';

async function main(): Promise<void> {
  await prepareTemplate();
  const t = await startTestApp();
  try {
    const doc = (await t.http().get('/openapi.json').expect(200)).body;
    // Compiled to build/scripts/, two levels below the repository root.
    const root = join(__dirname, '..', '..');
    writeFileSync(join(root, 'openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
    writeFileSync(join(root, CLIENT_TYPES_PATH), await clientTypes(doc));
  } finally {
    await t.close();
  }
}

void main();
