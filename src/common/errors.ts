// Domain errors carry a stable machine code; the HTTP status is decided in one exhaustive switch.

export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  // RFC 6749 §5.2 / RFC 8693 §2.2.2 errors of the token exchange (POST /v1/auth/token with a form): the
  // answer carries them as `error` and `error_description` too, for OAuth clients.
  InvalidRequest = 'invalid_request',
  InvalidTarget = 'invalid_target',
  InvalidScope = 'invalid_scope',
  UnsupportedGrantType = 'unsupported_grant_type',
  TokenMissing = 'token_missing',
  TokenInvalid = 'token_invalid',
  TokenExpired = 'token_expired',
  InvalidCredentials = 'invalid_credentials',
  InsufficientScope = 'insufficient_scope',
  Forbidden = 'forbidden',
  TokenPolicy = 'token_policy',
  /** A valid token used from outside its network allow-list (allowedCidrs). */
  NetworkNotAllowed = 'network_not_allowed',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  Conflict = 'conflict',
  LastOwner = 'last_owner',
  RequestTimeout = 'request_timeout',
  PayloadTooLarge = 'payload_too_large',
  HeadersTooLarge = 'headers_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  RateLimited = 'rate_limited',
  Unavailable = 'unavailable',
  Internal = 'internal',
}

export function statusFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.InvalidRequest:
    case ErrorCode.InvalidTarget:
    case ErrorCode.InvalidScope:
    case ErrorCode.UnsupportedGrantType:
      return 400;
    case ErrorCode.TokenMissing:
    case ErrorCode.TokenInvalid:
    case ErrorCode.TokenExpired:
    case ErrorCode.InvalidCredentials:
      return 401;
    case ErrorCode.InsufficientScope:
    case ErrorCode.Forbidden:
    case ErrorCode.TokenPolicy:
    case ErrorCode.NetworkNotAllowed:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.Conflict:
    case ErrorCode.LastOwner:
      return 409;
    case ErrorCode.RequestTimeout:
      return 408;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.HeadersTooLarge:
      return 431;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.Unavailable:
      return 503;
    case ErrorCode.Internal:
      return 500;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

export function titleFor(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.ValidationFailed:
      return 'Validation failed';
    case ErrorCode.InvalidRequest:
      return 'Invalid token exchange request';
    case ErrorCode.InvalidTarget:
      return 'Invalid target';
    case ErrorCode.InvalidScope:
      return 'Invalid scope';
    case ErrorCode.UnsupportedGrantType:
      return 'Unsupported grant type';
    case ErrorCode.TokenMissing:
      return 'Token missing';
    case ErrorCode.TokenInvalid:
      return 'Token invalid';
    case ErrorCode.TokenExpired:
      return 'Token expired';
    case ErrorCode.InvalidCredentials:
      return 'Invalid credentials';
    case ErrorCode.InsufficientScope:
      return 'Insufficient scope';
    case ErrorCode.Forbidden:
      return 'Forbidden';
    case ErrorCode.TokenPolicy:
      return 'Token policy violation';
    case ErrorCode.NetworkNotAllowed:
      return 'Network not allowed';
    case ErrorCode.NotFound:
      return 'Not found';
    case ErrorCode.MethodNotAllowed:
      return 'Method not allowed';
    case ErrorCode.Conflict:
      return 'Conflict';
    case ErrorCode.LastOwner:
      return 'Last owner';
    case ErrorCode.RequestTimeout:
      return 'Request timeout';
    case ErrorCode.PayloadTooLarge:
      return 'Payload too large';
    case ErrorCode.HeadersTooLarge:
      return 'Request headers too large';
    case ErrorCode.UnsupportedMediaType:
      return 'Unsupported media type';
    case ErrorCode.RateLimited:
      return 'Too many requests';
    case ErrorCode.Unavailable:
      return 'Service unavailable';
    case ErrorCode.Internal:
      return 'Internal error';
    default: {
      const unreachable: never = code;
      throw new Error(`untitled error code ${String(unreachable)}`);
    }
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** An expected refusal (4xx, 503): it is answered, never logged with a stack, so none is captured. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    /** `headers`: fields the answer carries besides Retry-After (a 429's RateLimit fields). */
    readonly extras: { errors?: FieldError[]; retryAfterSeconds?: number; headers?: Record<string, string> } = {},
  ) {
    // Capturing a stack costs more than the rest of a refused token check (bench profile).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'DomainError';
    // Shared refusals are frozen singletons answered to every caller (token-authenticator.ts): what
    // they carry must not change under them either.
    Object.freeze(this.extras);
  }

  get status(): number {
    return statusFor(this.code);
  }
}

/** The codes that are OAuth errors (RFC 6749 §5.2): their problem+json answer carries `error` and `error_description` too. */
export const OAUTH_ERROR_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.InvalidRequest,
  ErrorCode.InvalidTarget,
  ErrorCode.InvalidScope,
  ErrorCode.UnsupportedGrantType,
]);

/** "Not yours" and "does not exist" must read the same, so every lookup miss goes through here. */
export function notFound(what: string): DomainError {
  return new DomainError(ErrorCode.NotFound, `${what} not found.`);
}

export function validationFailed(field: string, message: string): DomainError {
  return validationFailedWith([{ field, message }]);
}

/** Field errors in one answer: enough to fix a form, not a 3.7 MB echo of an attacker's keys. */
export const MAX_FIELD_ERRORS = 20;
/** A field's path as an answer names it: a sent key can be as long as the body, its echo is not. */
export const MAX_FIELD_NAME_LENGTH = 200;
/** Messages are ours; the longest lists the permission catalog. */
export const MAX_FIELD_MESSAGE_LENGTH = 2000;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The first MAX_FIELD_ERRORS errors, each cut to its limits; the detail says how many there were when some were cut. */
export function validationFailedWith(errors: FieldError[]): DomainError {
  const listed = errors
    .slice(0, MAX_FIELD_ERRORS)
    .map((e) => ({ field: cut(e.field, MAX_FIELD_NAME_LENGTH), message: cut(e.message, MAX_FIELD_MESSAGE_LENGTH) }));
  const detail =
    errors.length > listed.length
      ? `The request is not valid (the first ${listed.length} of ${errors.length} problems are listed).`
      : 'The request is not valid.';
  return new DomainError(ErrorCode.ValidationFailed, detail, { errors: listed });
}

export function conflict(detail: string): DomainError {
  return new DomainError(ErrorCode.Conflict, detail);
}
