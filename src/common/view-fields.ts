// The schema pieces that answers (view classes) repeat, each written once: merge them into a field's
// @ApiProperty, which keeps its own description.
import { getSchemaPath, type ApiPropertyOptions, type SchemaObject } from '@nestjs/swagger';

/** A time in an answer, as Date.toJSON() writes it (`2026-01-31T12:00:00.000Z`): always this long (for years 0 to 9999). */
export const DATE_TIME = { type: String, format: 'date-time', maxLength: new Date(0).toJSON().length } satisfies ApiPropertyOptions;

/** The longest client address a socket or a trusted proxy gives: an IPv4-mapped IPv6 address in full. */
export const IP_ADDRESS_MAX_LENGTH = 45;

/** null as OpenAPI 3.0 can say it: the one value of a nullable enum (the other branch of a nullable oneOf). */
export const NULL_SCHEMA: SchemaObject = { type: 'object', nullable: true, enum: [null] };

/**
 * An object of the view class `view`, or null. OpenAPI 3.0 has no null type, and `nullable` beside a
 * $ref (or an allOf of one) does not reach into it: null is the one value of a nullable enum.
 */
export function nullableRef(view: abstract new (...args: never[]) => unknown): ApiPropertyOptions {
  return { oneOf: [{ $ref: getSchemaPath(view) }, NULL_SCHEMA] };
}
