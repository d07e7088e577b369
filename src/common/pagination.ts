// Keyset pagination over (created_at, id), newest first. Cursors are opaque to clients.
import type { Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { BoundedString, IntInRange } from './dto-fields';
import { validationFailed } from './errors';
import { Optional } from './validation';

/** The largest page a list answers (`limit`), and so the most items a page's schema allows. */
export const MAX_PAGE_SIZE = 200;
/** The page size of a list whose caller does not say (`limit`). */
export const DEFAULT_PAGE_SIZE = 50;
/** An encoded (createdAt, id) pair is about 90 characters; 200 leaves room and refuses junk. */
const MAX_CURSOR_LENGTH = 200;

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @Optional()
  @Type(() => Number)
  @IntInRange(1, MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @Optional()
  @BoundedString({ max: MAX_CURSOR_LENGTH })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const pageClasses = new Map<Class<unknown>, Class<Page<unknown>>>();

/**
 * The response schema of a list of `item`: `{ items, nextCursor }`, named `<Item>Page` in the document
 * (one class per item type, made once). Use it as `@ApiOkResponse({ type: PageOf(DeviceView) })`.
 */
export function PageOf<T>(item: Class<T>): Class<Page<T>> {
  const existing = pageClasses.get(item);
  if (existing) return existing as Class<Page<T>>;
  class ItemPage implements Page<T> {
    @ApiProperty({ type: [item], maxItems: MAX_PAGE_SIZE })
    items: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      maxLength: MAX_CURSOR_LENGTH,
      description: 'Pass as `cursor` for the next page; null on the last',
    })
    nextCursor: string | null;
  }
  Object.defineProperty(ItemPage, 'name', { value: `${item.name.replace(/View$/, '')}Page` });
  pageClasses.set(item, ItemPage);
  return ItemPage;
}

export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): KeysetPosition | null {
  if (cursor === undefined) return null;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(createdAt));
    const year = date.getUTCFullYear();
    if (typeof id === 'string' && UUID.test(id) && year >= 2000 && year <= 9999) return { createdAt: date, id };
  } catch {
    // fall through: a cursor that does not decode is a client error
  }
  throw validationFailed('cursor', 'is not a cursor this service issued');
}

export function pageLimit(query: PageQueryDto): number {
  return query.limit ?? DEFAULT_PAGE_SIZE;
}

/** Rows fetched with limit + 1 become a page; the extra row only tells that there is a next page. */
export function toPage<R extends KeysetPosition, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
