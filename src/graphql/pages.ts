// Lists answer as REST's do: { items, nextCursor }, 1 to 200 items a page (default 50).
import type { Type } from '@nestjs/common';
import { Field, ObjectType } from '@nestjs/graphql';
import type { Page } from '../common/pagination';

const pages = new Map<Type<unknown>, Type<Page<unknown>>>();

/** The page type of `item`: `<Item>Page`, made once per item type. */
export function PageOf<T>(item: Type<T>, name: string): Type<Page<T>> {
  const existing = pages.get(item);
  if (existing) return existing as Type<Page<T>>;
  @ObjectType(`${name}Page`)
  class ItemPage implements Page<T> {
    @Field(() => [item]) items: T[];
    @Field(() => String, { nullable: true, description: 'Pass as cursor for the next page; null on the last' }) nextCursor: string | null;
  }
  pages.set(item, ItemPage);
  return ItemPage;
}
