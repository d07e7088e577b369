// The committed openapi.json is the contract clients build against: it must match the code.
// After an intended API change run `npm run openapi` and commit the result.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_TYPES_PATH, clientTypes } from '../../scripts/client-types';
import { describeRule, routeTable } from '../support/route-table';
import { startTestApp, TestApp } from '../support/test-app';

type Operation = { operationId?: string; summary?: string; parameters?: { name: string; in: string; required?: boolean }[] };
type Document = { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };

const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('OpenAPI contract', () => {
  let t: TestApp;
  let served: Document;

  beforeAll(async () => {
    t = await startTestApp();
    served = (await t.http().get('/openapi.json').expect(200)).body;
  });
  afterAll(() => t.close());

  const operations = () =>
    Object.entries(served.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => OPENAPI_METHODS.includes(method))
        .map(([method, operation]) => ({ path, method, operation })),
    );

  it('matches the committed openapi.json', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../..', 'openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
  });

  it("generates the web UI's types from the served document (npm run openapi)", async () => {
    const committed = readFileSync(join(__dirname, '../..', CLIENT_TYPES_PATH), 'utf8');
    expect(await clientTypes(served)).toBe(committed);
  });

  it('names a server', () => {
    expect(served.servers?.length).toBeGreaterThan(0);
  });

  it('gives every operation a readable, unique operationId and a summary', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, operation } of operations()) {
      expect({ path, method, id: operation.operationId }).toEqual({ path, method, id: expect.stringMatching(/^[a-z][A-Za-z0-9]*$/) });
      expect({ path, method, summary: operation.summary }).toEqual({ path, method, summary: expect.any(String) });
    }
  });

  it('declares every path parameter, required', () => {
    for (const { path, method, operation } of operations()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? [])
        .filter((p) => p.in === 'path' && p.required)
        .map((p) => p.name)
        .sort();
      expect({ path, method, declared }).toEqual({ path, method, declared: inPath });
    }
  });

  it("says on every operation who may call it, in the route table's words", () => {
    const documented = new Map(operations().map(({ path, method, operation }) => [`${method} ${path}`, operation]));
    let checked = 0;
    for (const route of routeTable(t.app)) {
      const path = route.path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}');
      const methods = route.method === 'ALL' ? OPENAPI_METHODS : [route.method.toLowerCase()];
      for (const method of methods) {
        const operation = documented.get(`${method} ${path}`);
        if (!operation && route.method === 'ALL') continue;
        expect({ route: `${method} ${path}`, access: operation?.['x-latchkey-access' as keyof Operation] }).toEqual({
          route: `${method} ${path}`,
          access: describeRule(route.rule),
        });
        // A token route names its schemes; a public one names none unless it checks a key of its own (/metrics).
        const security = (operation as { security?: unknown[] } | undefined)?.security;
        expect({ route: `${method} ${path}`, secured: (security?.length ?? 0) > 0 }).toEqual({
          route: `${method} ${path}`,
          secured: route.rule?.kind !== 'public' || path === '/metrics',
        });
        checked++;
      }
    }
    expect(checked).toBe(documented.size);
  });
});
