// The committed openapi.json is the contract clients build against: it must match the code.
// After an intended API change run `npm run openapi` and commit the result.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';

describe('OpenAPI contract', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('matches the committed openapi.json', async () => {
    const served = (await t.http().get('/openapi.json').expect(200)).body;
    const committed = JSON.parse(readFileSync(join(__dirname, '../..', 'openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
  });
});
