import { Param, ParseUUIDPipe, PipeTransform } from '@nestjs/common';
import { validationFailed } from './errors';

const lowercase: PipeTransform<string, string> = { transform: (value) => value.toLowerCase() };

/** A path id that must be a UUID (anything else is a 400 naming the parameter), in lower case. */
export const UuidParam = (name: string): ParameterDecorator =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => validationFailed(name, 'must be a UUID') }), lowercase);

/** A UUID in any case, for ids read from places a ValidationPipe does not see (guard params, proxy headers). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID parameter in the OpenAPI document (path ids, the token check's query): its length is its limit. */
export const UUID_SCHEMA = { type: 'string' as const, format: 'uuid', minLength: 36, maxLength: 36 };
