import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { IsBoolean, IsIn, validateSync } from 'class-validator';
import { IntInRange, NonBlankString, UuidList } from './dto-fields';
import { ErrorCode } from './errors';
import { MAX_FIELD_ERRORS, validationFailedWith } from './errors';
import {
  flattenValidationErrors,
  inputProblem,
  Optional,
  readableMessage,
  MAX_ARRAY_ITEMS,
  MAX_INPUT_DEPTH,
  MAX_INPUT_VALUES,
  MAX_KEYS_PER_OBJECT,
  RAW_JSON_FACTOR,
  rawJsonProblem,
} from './validation';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('inputProblem', () => {
  it('lets ordinary input through, unicode included', () => {
    expect(inputProblem({ name: 'Ådå 👩‍👩‍👧 مرحبا', metadata: { room: ['lab', 3, null, { floor: 2 }] } }, 'body')).toBeNull();
    expect(inputProblem({ limit: '5', cursor: 'abc' }, 'query')).toBeNull();
    expect(inputProblem(undefined, 'body')).toBeNull();
  });

  it('names the field holding a NUL character or a lone surrogate, in values and in keys', () => {
    expect(inputProblem({ name: 'a\u0000b' }, 'body')).toEqual({ field: 'name', message: 'must not contain the NUL character' });
    expect(inputProblem({ metadata: { a: ['x', '\ud800'] } }, 'body')).toEqual({
      field: 'metadata.a[1]',
      message: 'must be well-formed Unicode',
    });
    expect(inputProblem({ metadata: { 'k\udc00': 1 } }, 'body')).toEqual({
      field: 'metadata',
      message: 'has a key that must be well-formed Unicode',
    });
    expect(inputProblem({ serial: 'x\u0000' }, 'query')).toEqual({ field: 'serial', message: 'must not contain the NUL character' });
    expect(inputProblem('\u0000', 'body')).toEqual({ field: 'body', message: 'must not contain the NUL character' });
  });

  it('refuses keys named like Object.prototype members, and prototype, anywhere (JSON.parse makes __proto__ an own key)', () => {
    expect(inputProblem(JSON.parse('{"__proto__":{"polluted":1}}'), 'body')).toEqual({ field: '__proto__', message: 'is a forbidden key' });
    expect(inputProblem({ metadata: { constructor: 'Bosch' } }, 'body')).toEqual({
      field: 'metadata.constructor',
      message: 'is a forbidden key',
    });
    expect(inputProblem({ a: [{ prototype: 1 }] }, 'body')).toEqual({ field: 'a[0].prototype', message: 'is a forbidden key' });
    expect(inputProblem({ toString: '5' }, 'query')).toEqual({ field: 'toString', message: 'is a forbidden key' });
    expect(inputProblem({ metadata: { valueOf: 1, ok: 2 } }, 'body')).toEqual({ field: 'metadata.valueOf', message: 'is a forbidden key' });
    expect(inputProblem({ metadata: { Constructor: 1, proto: 2, __proto: 3 } }, 'body')).toBeNull();
  });

  it(`refuses nesting deeper than ${MAX_INPUT_DEPTH}, without a recursion of its own`, () => {
    expect(inputProblem(nested(MAX_INPUT_DEPTH - 1), 'body')).toBeNull();
    expect(inputProblem(nested(MAX_INPUT_DEPTH + 1), 'body')).toMatchObject({ message: `nests deeper than ${MAX_INPUT_DEPTH} levels` });
    expect(inputProblem(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), 'body')).toMatchObject({
      field: expect.stringMatching(/^(\[0\])+$/),
    });
  });

  it('H2: refuses objects, arrays and whole inputs wider than the limits, naming where', () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));
    expect(inputProblem(wide(MAX_KEYS_PER_OBJECT), 'body')).toBeNull();
    expect(inputProblem(wide(60_000), 'body')).toEqual({ field: 'body', message: `has more than ${MAX_KEYS_PER_OBJECT} keys` });
    expect(inputProblem({ metadata: wide(MAX_KEYS_PER_OBJECT + 1) }, 'body')).toEqual({
      field: 'metadata',
      message: `has more than ${MAX_KEYS_PER_OBJECT} keys`,
    });
    expect(inputProblem(Object.assign(Object.create(null), wide(300)), 'query')).toEqual({
      field: 'query',
      message: `has more than ${MAX_KEYS_PER_OBJECT} keys`,
    });
    expect(inputProblem({ ids: Array(MAX_ARRAY_ITEMS).fill(1) }, 'body')).toBeNull();
    expect(inputProblem({ ids: Array(MAX_ARRAY_ITEMS + 1).fill(1) }, 'body')).toEqual({
      field: 'ids',
      message: `has more than ${MAX_ARRAY_ITEMS} items`,
    });
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, Array(MAX_INPUT_VALUES / 10).fill(1)]));
    expect(inputProblem(many, 'body')).toEqual({ field: 'body', message: `holds more than ${MAX_INPUT_VALUES} values` });
  });

  it('H2: lists at most MAX_FIELD_ERRORS errors and says how many there were', () => {
    const errors = Array.from({ length: 500 }, (_, i) => ({ field: `f${i}`, message: 'is wrong' }));
    const cut = validationFailedWith(errors);
    expect(cut.code).toBe(ErrorCode.ValidationFailed);
    expect(cut.extras.errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(cut.detail).toBe(`The request is not valid (the first ${MAX_FIELD_ERRORS} of 500 problems are listed).`);
    expect(validationFailedWith(errors.slice(0, 3)).detail).toBe('The request is not valid.');
  });

  it('H2: the raw JSON scan refuses gross width before parsing, and reads strings as strings', () => {
    const keys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}`;
    const maxKeys = MAX_KEYS_PER_OBJECT * RAW_JSON_FACTOR;
    expect(rawJsonProblem(keys(maxKeys))).toBeNull();
    expect(rawJsonProblem(keys(maxKeys + 1))).toEqual({ field: 'body', message: `has an object with more than ${maxKeys} keys` });
    expect(rawJsonProblem(`{"a":${keys(60_000)}}`)).toMatchObject({ message: `has an object with more than ${maxKeys} keys` });
    expect(
      rawJsonProblem(
        `[${Array(MAX_ARRAY_ITEMS * RAW_JSON_FACTOR + 1)
          .fill(0)
          .join(',')}]`,
      ),
    ).toMatchObject({ message: /has an array with more than/ });
    expect(rawJsonProblem(JSON.stringify(Array.from({ length: 30 }, () => Array(1000).fill(0))))).toMatchObject({
      message: /holds more than/,
    });
    // Commas, brackets and escaped quotes inside strings are text; an escaped backslash ends nothing.
    expect(rawJsonProblem(JSON.stringify({ a: ',{['.repeat(50_000), b: 'x\\', c: '\\"'.repeat(10_000) + ','.repeat(10_000) }))).toBeNull();
    expect(rawJsonProblem('{"a":"unterminated,,,,')).toBeNull();
    expect(rawJsonProblem('1')).toBeNull();
    // Nesting is left to the pipe (which names the field); the scan keeps no state for deep levels.
    expect(rawJsonProblem('['.repeat(500_000) + ']'.repeat(500_000))).toBeNull();
  });
});

describe('field messages a person can read', () => {
  class Grant {
    @UuidList({ min: 1, max: 3 })
    roleIds: string[];

    @NonBlankString(5)
    name: string;

    @Optional()
    @IntInRange(1, 366)
    expiresInDays?: number;

    @Optional()
    @IsBoolean()
    flag?: boolean;

    @Optional()
    @IsIn(['all', 'selected'])
    mode?: string;
  }

  function fieldErrors(input: object) {
    const errors = validateSync(plainToInstance(Grant, input), {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: true },
    });
    return flattenValidationErrors(errors);
  }

  it.each([
    [{ roleIds: [], name: 'ok' }, [{ field: 'roleIds', message: 'must not be empty' }]],
    [
      { roleIds: [randomUUID(), randomUUID(), randomUUID(), randomUUID()], name: 'ok' },
      [{ field: 'roleIds', message: 'must have at most 3 items' }],
    ],
    [{ roleIds: ['x'], name: 'ok' }, [{ field: 'roleIds', message: 'each value must be an id (a UUID)' }]],
    [{ roleIds: 'x', name: 'ok' }, [{ field: 'roleIds', message: 'must be a list' }]],
    [{ name: 'ok' }, [{ field: 'roleIds', message: 'is required' }]],
    [{ roleIds: [randomUUID()] }, [{ field: 'name', message: 'is required' }]],
    [{ roleIds: [randomUUID()], name: 'toolong' }, [{ field: 'name', message: 'must be at most 5 characters long' }]],
    [{ roleIds: [randomUUID()], name: '' }, expect.arrayContaining([{ field: 'name', message: 'must not be empty' }])],
    [{ roleIds: [randomUUID()], name: 5 }, expect.arrayContaining([{ field: 'name', message: 'must be text' }])],
    [{ roleIds: [randomUUID()], name: 'ok', expiresInDays: 0 }, [{ field: 'expiresInDays', message: 'must be at least 1' }]],
    [{ roleIds: [randomUUID()], name: 'ok', expiresInDays: 400 }, [{ field: 'expiresInDays', message: 'must be at most 366' }]],
    [{ roleIds: [randomUUID()], name: 'ok', expiresInDays: 1.5 }, [{ field: 'expiresInDays', message: 'must be a whole number' }]],
    [{ roleIds: [randomUUID()], name: 'ok', flag: 'yes' }, [{ field: 'flag', message: 'must be true or false' }]],
    [{ roleIds: [randomUUID()], name: 'ok', mode: 'some' }, [{ field: 'mode', message: 'must be one of: all, selected' }]],
    [{ roleIds: [randomUUID()], name: 'ok', extra: 1 }, [{ field: 'extra', message: 'is not a field this request takes' }]],
  ])('%j', (input, expected) => {
    expect(fieldErrors(input)).toEqual(expected);
  });

  it('keeps messages written for a field', () => {
    expect(readableMessage('each value must be a permission of the catalog', 'permissions')).toBe(
      'each value must be a permission of the catalog',
    );
    expect(readableMessage('must be an email address', 'email')).toBe('must be an address such as name@example.com');
  });
});
