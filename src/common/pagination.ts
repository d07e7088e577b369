// Keyset pagination over (created_at, id), newest first. Cursors are opaque to clients.
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { BoundedString, IntInRange } from './dto-fields';
import { validationFailed } from './errors';
import { Optional } from './validation';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @Optional()
  @Type(() => Number)
  @IntInRange(1, 200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @Optional()
  @BoundedString({ max: 200 })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
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
  return query.limit ?? 50;
}

/** Rows fetched with limit + 1 become a page; the extra row only tells that there is a next page. */
export function toPage<R extends KeysetPosition, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
