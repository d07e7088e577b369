// Which problem+json statuses a route answers. Most follow from the route itself and are added to every
// operation in one place (openapi-document.ts: 401 for a token, 403 for a rule, 404 for a path id, 400
// for input, 429 for a rate limit, 500/503 everywhere). A route names here only what is its own: the
// 409 of a write that can collide, or a status its service decides (a 404 for an id sent in the body).
import { SetMetadata } from '@nestjs/common';

export const API_PROBLEMS = 'latchkey:api-problems';

export type ProblemStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 503;

/** The statuses, beyond those derived for every route, that this route may answer with problem+json. */
export function ApiProblems(...statuses: ProblemStatus[]): MethodDecorator {
  return SetMetadata(API_PROBLEMS, statuses);
}
