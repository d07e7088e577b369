// One ValidationPipe for the whole API: unknown fields are rejected, and failures list each field.
import { ArgumentMetadata, Body, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { DomainError, ErrorCode, FieldError, MAX_FIELD_ERRORS, validationFailedWith } from './errors';

export function flattenValidationErrors(errors: ValidationError[], parent = '', inArray = false): FieldError[] {
  return errors.flatMap((error) => {
    const field = childField(parent, error.property, inArray);
    const messages = Object.entries(error.constraints ?? {});
    // A required field left out: one message, not one per rule it would have had to meet.
    const missing = error.value === undefined && messages.length > 0 && !messages.some(([name]) => name === 'whitelistValidation');
    // A value of the wrong type: that alone, not every rule of the right type it cannot meet either.
    const wrongType = messages.filter(([name]) => TYPE_CHECKS.has(name));
    const shown = missing ? [['isDefined', 'is required'] as const] : wrongType.length > 0 ? wrongType : messages;
    const own = shown.map(([, message]) => ({
      field: field || 'body',
      message: readableMessage(message, error.property),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field, Array.isArray(error.value))];
  });
}

/** A field inside `parent`: `devices[3].name` for an array's item, as clients write it, `a.b` for an object's key. */
function childField(parent: string, key: string, inArray: boolean): string {
  if (inArray) return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** class-validator's checks of a value's type. */
const TYPE_CHECKS = new Set(['isArray', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isObject']);

/**
 * class-validator's default messages, as a person filling in a form reads them (the field is named
 * beside the message, so a message never repeats it); messages written for a field are kept as they are.
 */
const READABLE: Array<[RegExp, (...found: string[]) => string]> = [
  [/^must contain at least (\d+) elements$/, (n) => (n === '1' ? 'must not be empty' : `must have at least ${n} items`)],
  [/^must contain no more than (\d+) elements$/, (n) => `must have at most ${n} items`],
  [/^All .*'s elements must be unique$/, () => 'must not list the same value twice'],
  [/^must be an array$/, () => 'must be a list'],
  [/^must be a string$/, () => 'must be text'],
  [/^must be an integer number$/, () => 'must be a whole number'],
  [/^must be a number conforming to the specified constraints$/, () => 'must be a number'],
  [/^must not be less than (\S+)$/, (n) => `must be at least ${n}`],
  [/^must not be greater than (\S+)$/, (n) => `must be at most ${n}`],
  [
    /^must be longer than or equal to (\d+) characters$/,
    (n) => (n === '1' ? 'must not be empty' : `must be at least ${n} characters long`),
  ],
  [/^must be shorter than or equal to (\d+) characters$/, (n) => `must be at most ${n} characters long`],
  [/^must be a boolean value$/, () => 'must be true or false'],
  [/^must be one of the following values: (.*)$/s, (values) => `must be one of: ${values}`],
  [/^should not be null or undefined$/, () => 'is required'],
  [/^should not exist$/, () => 'is not a field this request takes'],
  [/^nested property .* must be either object or array$/, () => 'must be an object'],
  [/^each value in .* must be a UUID$/, () => 'each value must be an id (a UUID)'],
  [/^an unknown value was passed to the validate function$/, () => 'must be a JSON object'],
  [/^must be an email address$/, () => 'must be an address such as name@example.com'],
];

export function readableMessage(message: string, property: string): string {
  // class-validator starts messages with the property name; the field already says which.
  let text = message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
  if (text === `property ${property} should not exist`) text = 'should not exist';
  for (const [pattern, rewrite] of READABLE) {
    const found = pattern.exec(text);
    if (found) return rewrite(...found.slice(1));
  }
  return text;
}

/** Deeper than any DTO or device metadata needs, and far from what overflows a recursive walk (class-transformer). */
export const MAX_INPUT_DEPTH = 32;
/**
 * Width limits, checked before class-transformer sees anything: it costs about 30 µs per unknown key
 * (a 60,000-key login held the event loop for 1.7 s). No DTO has more than a dozen fields, no DTO array
 * more than 100 items, and device metadata (16 KiB of JSON at most) needs nothing near these.
 */
export const MAX_KEYS_PER_OBJECT = 256;
export const MAX_ARRAY_ITEMS = 1000;
/** Keys and array items in the whole body or query, at every level (unless the body's DTO says otherwise: InputValues). */
export const MAX_INPUT_VALUES = 5000;
const INPUT_VALUES = Symbol('input values');

/**
 * On a body DTO that takes more values than MAX_INPUT_VALUES (a bulk create): how many it takes. The raw
 * JSON check (MAX_INPUT_VALUES × RAW_JSON_FACTOR) still bounds every body before it is parsed.
 */
export function InputValues(max: number): ClassDecorator {
  return (target) => Reflect.defineMetadata(INPUT_VALUES, max, target);
}

function inputValuesOf(metatype: unknown): number {
  return (typeof metatype === 'function' && (Reflect.getMetadata(INPUT_VALUES, metatype) as number | undefined)) || MAX_INPUT_VALUES;
}
/**
 * Keys named like a member of Object.prototype (__proto__, constructor, toString, hasOwnProperty…) and
 * `prototype`. class-transformer drops the former without a word, or throws on `constructor` (a 500),
 * and all of them are the stuff of prototype pollution; the JSON parser already refuses __proto__.
 */
const isForbiddenKey = (key: string) => key === 'prototype' || Object.hasOwn(Object.prototype, key);

function stringProblem(value: string): string | null {
  // PostgreSQL text cannot hold NUL; a lone surrogate is not Unicode (jsonb refuses it, text stores U+FFFD).
  if (value.includes('\u0000')) return 'must not contain the NUL character';
  if (/\p{Cs}/u.test(value)) return 'must be well-formed Unicode';
  return null;
}

/**
 * What no DTO should have to think about, found in a whole body or query before any DTO sees it:
 * strings the database cannot store, keys that name prototype members, and
 * nesting deep enough to overflow a recursive walk. Iterative, so depth cannot overflow this either.
 */
export function inputProblem(input: unknown, root: 'body' | 'query', maxValues = MAX_INPUT_VALUES): FieldError | null {
  const pending: Array<{ value: unknown; field: string; depth: number }> = [{ value: input, field: '', depth: 0 }];
  let values = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, field, depth } = next;
    if (typeof value === 'string') {
      const message = stringProblem(value);
      if (message) return { field: field || root, message };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_INPUT_DEPTH) return { field: field || root, message: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
    const array = Array.isArray(value);
    // Sizes first, before any key is listed or looked at: the walk stays as cheap as the limits.
    const size = array ? value.length : countKeys(value);
    if (array && size > MAX_ARRAY_ITEMS) return { field: field || root, message: `has more than ${MAX_ARRAY_ITEMS} items` };
    if (!array && size > MAX_KEYS_PER_OBJECT) return { field: field || root, message: `has more than ${MAX_KEYS_PER_OBJECT} keys` };
    values += size;
    if (values > maxValues) return { field: root, message: `holds more than ${maxValues} values` };
    for (const key of Object.keys(value)) {
      const child = childField(field, key, array);
      if (!array) {
        if (isForbiddenKey(key)) return { field: child, message: 'is a forbidden key' };
        const message = stringProblem(key);
        if (message) return { field: field || root, message: `has a key that ${message}` };
      }
      pending.push({ value: (value as Record<string, unknown>)[key], field: child, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * The first line of the width limits, on the raw JSON text before JSON.parse builds anything: the
 * audit's 60,000-key body is refused after its 1025th key, in microseconds. It is coarse (four times
 * the limits above, the field is the whole body) so that a body only somewhat over them still parses
 * and inputProblem names the field. Strings are skipped with indexOf; the text is read at most once.
 * Malformed JSON is left to JSON.parse.
 */
export const RAW_JSON_FACTOR = 4;
const RAW_TRACKED_DEPTH = MAX_INPUT_DEPTH * RAW_JSON_FACTOR;
export function rawJsonProblem(text: string): FieldError | null {
  const maxKeys = MAX_KEYS_PER_OBJECT * RAW_JSON_FACTOR;
  const maxItems = MAX_ARRAY_ITEMS * RAW_JSON_FACTOR;
  const maxValues = MAX_INPUT_VALUES * RAW_JSON_FACTOR;
  // Commas seen in each open container, and whether it is an object.
  const commas: number[] = [];
  const objects: boolean[] = [];
  let depth = 0;
  let values = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) return null;
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      // Deeper levels are not tracked (the pipe refuses past MAX_INPUT_DEPTH): a 1 MiB run of `[` costs no arrays.
      if (depth < RAW_TRACKED_DEPTH) {
        commas[depth] = 0;
        objects[depth] = c === 0x7b;
      }
      depth++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
    } else if (c === 0x2c /* , */ && depth > 0 && depth <= RAW_TRACKED_DEPTH) {
      const seen = ++commas[depth - 1];
      if (objects[depth - 1] ? seen >= maxKeys : seen >= maxItems) {
        return {
          field: 'body',
          message: objects[depth - 1] ? `has an object with more than ${maxKeys} keys` : `has an array with more than ${maxItems} items`,
        };
      }
      if (++values >= maxValues) return { field: 'body', message: `holds more than ${maxValues} values` };
    }
  }
  return null;
}

/** Whether the character at `at` follows an odd run of backslashes. */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (at - backslashes - 1 >= 0 && text.charCodeAt(at - backslashes - 1) === 0x5c) backslashes++;
  return backslashes % 2 === 1;
}

/** Own enumerable keys, counted up to one past the limit (a for…in would also walk the prototype chain). */
function countKeys(object: object): number {
  let count = 0;
  for (const key in object) {
    if (Object.hasOwn(object, key) && ++count > MAX_KEYS_PER_OBJECT) break;
  }
  return count;
}

class LatchkeyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Nest's pipe reads a null body as {} (a PATCH with `null` changed nothing and answered 200): a
    // route that takes a DTO takes an object. Routes without a body (NoBody) still read null as none.
    if (metadata.type === 'body' && value === null && this.toValidate(metadata)) {
      throw validationFailedWith([{ field: 'body', message: 'must be a JSON object' }]);
    }
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = inputProblem(value, metadata.type, metadata.type === 'body' ? inputValuesOf(metadata.metatype) : MAX_INPUT_VALUES);
      if (problem) throw validationFailedWith([problem]);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new LatchkeyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // The value is read to tell a field left out (flattenValidationErrors); it is never echoed.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => validationFailedWith(flattenValidationErrors(errors)),
  });
}

/**
 * The field may be left out, but when present it must pass its validators: unlike @IsOptional(),
 * null is not let through (a null name or password is a 400, not a crash further in).
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** UUIDs compare as strings in places (restrictions, sets): one spelling, lower case. */
export function LowercaseUuids(): PropertyDecorator {
  return Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : value));
}

/** For routes that take no body: an empty body or `{}` is fine, any field is unknown and refused. */
export const NoBody = (): ParameterDecorator =>
  Body({
    transform(value: unknown) {
      if (value === undefined || value === null) return undefined;
      const fields = typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : ['body'];
      if (fields.length === 0) return undefined;
      throw new DomainError(ErrorCode.ValidationFailed, 'This request takes no body.', {
        errors: fields.slice(0, MAX_FIELD_ERRORS).map((field) => ({ field, message: 'is not accepted here' })),
      });
    },
  });
