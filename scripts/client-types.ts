// The web UI's API types, generated from openapi.json by openapi-typescript. A drift between server
// and UI is then a compile error in web/ (npm run typecheck).
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';

export const CLIENT_TYPES_PATH = 'web/src/api/schema.d.ts';

const HEADER = '// Generated from openapi.json by `npm run openapi` (openapi-typescript): never edit by hand.\n\n';

/** The TypeScript declarations for `document`. */
export async function clientTypes(document: object): Promise<string> {
  const ast = await openapiTS(document as OpenAPI3, { alphabetize: true });
  return HEADER + astToString(ast);
}
