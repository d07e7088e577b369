// The web console's maxlength/minlength/max values (web/src/api/limits.ts) are the API's: each is read back
// from openapi.json, so a limit changed on one side only fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMIT_SOURCES, LIMITS } from '../../web/src/api/limits';

type Bounds = { maxLength?: number; minLength?: number; maximum?: number; minimum?: number };

interface Schema {
  properties?: Record<string, Bounds & { oneOf?: Bounds[] }>;
}

const document = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8')) as {
  components: { schemas: Record<string, Schema> };
};

describe('web console limits', () => {
  const cases = Object.entries(LIMIT_SOURCES).flatMap(([name, sources]) =>
    sources.map(([schema, property, keyword]) => [name as keyof typeof LIMITS, schema, property, keyword] as const),
  );

  it.each(cases)('%s is %s.%s %s', (name, schema, property, keyword) => {
    const field = document.components.schemas[schema]?.properties?.[property];
    expect(field).toBeDefined();
    const value = field?.[keyword] ?? field?.oneOf?.find((o) => o[keyword] !== undefined)?.[keyword];
    expect(value).toBe(LIMITS[name]);
  });
});
