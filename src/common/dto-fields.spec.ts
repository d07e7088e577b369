import { plainToInstance } from 'class-transformer';
import { IsArray, IsIn, IsString, Length, Matches, ArrayMaxSize, ArrayMinSize, ArrayUnique, validateSync } from 'class-validator';
import { NonBlankString, ScopeList, slugOf } from './dto-fields';

// A composite must answer exactly as the decorator stack it replaced: same messages, same order.
class Stacked {
  @IsString()
  @Length(1, 10)
  @Matches(/\S/, { message: 'must contain a visible character, not only spaces or invisible characters' })
  name: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsIn(['a', 'b'], { each: true, message: 'each value must be a or b' })
  scopes: string[];
}

class Composite {
  @NonBlankString(10)
  name: string;

  @ScopeList(['a', 'b'], 'each value must be a or b', { min: 1, max: 2 })
  scopes: string[];
}

function messages(cls: new () => object, input: object): Array<[string, string[]]> {
  return validateSync(plainToInstance(cls, input)).map((error) => [error.property, Object.values(error.constraints ?? {})]);
}

describe('composite field decorators', () => {
  it.each([
    { name: 5, scopes: 'x' },
    { name: '', scopes: [] },
    { name: '   ', scopes: ['a', 'a', 'c'] },
    { name: 'x'.repeat(11), scopes: ['a', 'b'] },
  ])('answer as the stack they replace: %j', (input) => {
    const expected = messages(Stacked, input);
    expect(expected.length).toBeGreaterThan(0);
    expect(messages(Composite, input)).toEqual(expected);
  });
});

describe('slugOf', () => {
  it.each([
    ['Ünïcödé 🚀 Labs', 'unicode-labs'],
    ['Acme, Inc.', 'acme-inc'],
    ['  --Crème brûlée--  ', 'creme-brulee'],
    ['ｆｕｌｌｗｉｄｔｈ　Ｗｏｒｋｓ', 'fullwidth-works'],
    ['ﬁnance ½', 'finance-1-2'],
    ['🚀🚀🚀', ''],
    ['Москва', ''],
    ['a'.repeat(80), 'a'.repeat(50)],
    [`${'a'.repeat(49)} b`, 'a'.repeat(49)],
  ])('%j -> %j', (name, slug) => {
    expect(slugOf(name)).toBe(slug);
  });
});

describe('names that show nothing', () => {
  class Named {
    @NonBlankString(20)
    name: string;
  }
  const refused = (name: string) => messages(Named, { name }).length > 0;

  it.each([
    ['white space', ' \t\n\u00a0\u3000'],
    ['zero-width space, non-joiner, joiner, marks', '\u200b\u200c\u200d\u200e\u200f'],
    ['word joiner and invisible operators', '\u2060\u2061\u2062\u2063\u2064'],
    ['byte-order mark', '\ufeff'],
    ['variation selectors', '\ufe0f\ufe00'],
    ['variation selectors supplement', '\u{e0100}\u{e01ef}'],
    ['tags', '\u{e0041}\u{e0042}'],
    ['bidi controls', '\u202e\u2066\u2069'],
    ['Hangul fillers and braille blank', '\u3164\u115f\uffa0\u2800'],
    ['soft hyphen and combining grapheme joiner', '\u00ad\u034f'],
    ['control characters', '\u0000\u0007'],
  ])('refuses %s', (_label, name) => {
    expect(refused(name)).toBe(true);
  });

  it.each([['Lab'], ['🚀'], ['\u200bLab\u200b'], ['é'], ['Ä\u0308'], ['名前']])('accepts %j', (name) => {
    expect(refused(name)).toBe(false);
  });

  it('says why', () => {
    expect(messages(Named, { name: '\u200b' })).toEqual([
      ['name', ['must contain a visible character, not only spaces or invisible characters']],
    ]);
  });
});
