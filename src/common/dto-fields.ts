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
import { BIDI_CONTROLS } from './bidi-controls';
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

/**
 * Characters that show nothing, in the Basic Multilingual Plane: white space, soft hyphen, zero-width
 * and joiner characters (U+200B..U+200F, U+2060..U+206F), bidirectional controls, the byte-order mark,
 * fillers (Hangul, braille blank) and variation selectors.
 */
const INVISIBLE_BMP =
  '\\s\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u2800\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0';
/** A character that shows: none of those, no control or format character (\p{Cf}: tags too), no variation selector supplement. */
// eslint-disable-next-line no-misleading-character-class -- the combining characters listed are the point: each alone is refused
const VISIBLE_CHARACTER = new RegExp(`[^${INVISIBLE_BMP}\\p{Cc}\\p{Cf}\\u{E0100}-\\u{E01EF}]`, 'u');

/** Whether a name has something to show: not only white space, zero-width, format or filler characters. */
export function hasVisibleCharacter(value: string): boolean {
  return VISIBLE_CHARACTER.test(value);
}

/** No bidirectional embedding, override or isolate control anywhere (bidi-controls.ts). */
const NO_BIDI_CONTROL = new RegExp(`^[^${BIDI_CONTROLS}]*$`);

/**
 * A name or label (workspace, role, device, API user, token, a person's display name): a string of 1
 * to `maxLength` characters with at least one that shows (hasVisibleCharacter), and no bidirectional
 * control that would reorder the text around it. The document's pattern says both, for the Basic
 * Multilingual Plane.
 */
export function NonBlankString(maxLength: number): PropertyDecorator {
  return stacked(
    ApiProperty({ minLength: 1, maxLength, pattern: `^(?=[\\s\\S]*[^${INVISIBLE_BMP}])[^${BIDI_CONTROLS}]*$` }),
    IsString(),
    Length(1, maxLength),
    Matches(VISIBLE_CHARACTER, { message: 'must contain a visible character, not only spaces or invisible characters' }),
    Matches(NO_BIDI_CONTROL, {
      message: 'must not contain bidirectional embedding, override or isolate controls (U+202A to U+202E, U+2066 to U+2069)',
    }),
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

/** The slug made from a workspace's name, longest: room for a dash and a 6-character suffix. */
const SLUG_BASE_MAX_LENGTH = 50;

/**
 * A slug made from a name: letters lose their accents (NFKD, then combining marks dropped), and the
 * runs of anything else (spaces, symbols, emoji, other scripts) between letters and digits become one dash ("Ünïcödé 🚀 Labs"
 * becomes "unicode-labs"). Empty when nothing is left.
 */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_BASE_MAX_LENGTH)
    .replace(/-+$/, '');
}

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
