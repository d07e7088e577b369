// The field rules that DTOs repeat, each written once: the validation and the limits the OpenAPI
// document states for it (maxLength, maxItems, pattern…), so the two cannot disagree. Every field keeps
// its own @ApiProperty for its type, description and whether it is required; these merge into it.
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { LowercaseUuids } from './validation';

/**
 * Applies `decorators` as if they were stacked in this order above the field. TypeScript runs a stack
 * bottom-up, applyDecorators runs its list top-down, and class-validator reports a field's failures in
 * the order its validators were applied: reversed here, a composite lists the same messages in the same
 * order as the stack it replaces.
 */
function stacked(...decorators: PropertyDecorator[]): PropertyDecorator {
  return applyDecorators(...decorators.reverse());
}

/** A name or label: a string of 1 to `maxLength` characters, not only white space. */
export function NonBlankString(maxLength: number): PropertyDecorator {
  return stacked(
    ApiProperty({ minLength: 1, maxLength, pattern: '\\S' }),
    IsString(),
    Length(1, maxLength),
    Matches(/\S/, { message: 'must not be blank' }),
  );
}

/** Free text or a secret as sent: a string of at most `max` characters and, with `min`, at least `min`. */
export function BoundedString({ min, max }: { min?: number; max: number }): PropertyDecorator {
  const documented = ApiProperty({ minLength: min, maxLength: max });
  return min === undefined
    ? stacked(documented, IsString(), MaxLength(max))
    : stacked(documented, IsString(), MinLength(min), MaxLength(max));
}

/** A whole number from `min` to `max`, both included. */
export function IntInRange(min: number, max: number): PropertyDecorator {
  return stacked(ApiProperty({ type: 'integer', minimum: min, maximum: max }), IsInt(), Min(min), Max(max));
}

/** Array sizes: at most `max` items and, with `min`, at least `min`. */
interface ListSize {
  min?: number;
  max: number;
}

function listSize({ min, max }: ListSize): PropertyDecorator[] {
  const documented = ApiProperty({ minItems: min, maxItems: max, uniqueItems: true });
  return min === undefined ? [documented, ArrayMaxSize(max)] : [documented, ArrayMinSize(min), ArrayMaxSize(max)];
}

/** Ids without repeats, in lower case (they are compared as strings). */
export function UuidList(size: ListSize): PropertyDecorator {
  return stacked(
    ApiProperty({ type: String, isArray: true, format: 'uuid', maxLength: 36 }),
    LowercaseUuids(),
    IsArray(),
    ...listSize(size),
    ArrayUnique(),
    IsUUID('all', { each: true }),
  );
}

/** Permissions or scopes without repeats, each one of `allowed`; `message` names what they must be. */
export function ScopeList(allowed: readonly string[], message: string, size: ListSize): PropertyDecorator {
  return stacked(
    ApiProperty({ enum: [...allowed], isArray: true }),
    IsArray(),
    ...listSize(size),
    ArrayUnique(),
    IsIn(allowed, { each: true, message }),
  );
}

/** The longest slug: a DNS label. */
export const SLUG_MAX_LENGTH = 63;
const SLUG = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${SLUG_MAX_LENGTH - 2}}[a-z0-9])?$`);

/** A workspace's slug: what a DNS label may be, in lower case. */
export function SlugString(): PropertyDecorator {
  return stacked(
    ApiProperty({ minLength: 1, maxLength: SLUG_MAX_LENGTH, pattern: SLUG.source }),
    IsString(),
    Matches(SLUG, { message: `must be 1 to ${SLUG_MAX_LENGTH} lower-case letters, digits and inner dashes` }),
  );
}

/** The longest serial number of a device. */
export const SERIAL_MAX_LENGTH = 128;

/** A device's serial number: 1 to SERIAL_MAX_LENGTH printable ASCII characters, no spaces. */
export function SerialString(): PropertyDecorator {
  return stacked(
    ApiProperty({ minLength: 1, maxLength: SERIAL_MAX_LENGTH, pattern: '^[\\x21-\\x7e]+$' }),
    IsString(),
    Length(1, SERIAL_MAX_LENGTH),
    Matches(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' }),
  );
}
