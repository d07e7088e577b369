import { plainToInstance } from 'class-transformer';
import { IsArray, IsIn, IsString, Length, Matches, ArrayMaxSize, ArrayMinSize, ArrayUnique, validateSync } from 'class-validator';
import { NonBlankString, ScopeList } from './dto-fields';

// A composite must answer exactly as the decorator stack it replaced: same messages, same order.
class Stacked {
  @IsString()
  @Length(1, 10)
  @Matches(/\S/, { message: 'must not be blank' })
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
