// The web UI's API types, generated from openapi.json by openapi-typescript. A drift between server
// and UI is then a compile error in web/ (npm run typecheck).
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';

export const CLIENT_TYPES_PATH = 'web/src/api/schema.d.ts';

const HEADER = '// Generated from openapi.json by `npm run openapi` (openapi-typescript): never edit by hand.\n\n';

/** The TypeScript declarations for `document`. */
export async function clientTypes(document: object): Promise<string> {
  // defaultNonNullable off: every `default` in the document is on a request body (expiresInDays,
  // graceSeconds, metadata…), where it is what the server fills in when the field is left out, so
  // the field stays optional to the caller.
  const ast = await openapiTS(document as OpenAPI3, { alphabetize: true, defaultNonNullable: false });
  return HEADER + astToString(ast);
}
