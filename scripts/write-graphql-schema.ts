// Writes schema.graphql from the code (npm run graphql-schema); test/graphql/schema.e2e-spec.ts fails
// when it differs from the schema /graphql serves.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { startTestApp } from '../test/support/test-app';
import { prepareTemplate } from '../test/support/test-database';

async function main(): Promise<void> {
  await prepareTemplate();
  const t = await startTestApp();
  try {
    // Compiled to build/scripts/, two levels below the repository root.
    writeFileSync(join(__dirname, '..', '..', 'schema.graphql'), `${printSchema(t.app.get(GraphQLSchemaHost).schema)}\n`);
  } finally {
    await t.close();
  }
}

void main();
