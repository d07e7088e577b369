// The hourly usage counters of tokens (token_usage_hourly). Written in batches by TokenUsageRecorder,
// read per token by routes that have already established the token is the caller's to see.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface UsageTally {
  tokenId: string;
  /** The hour's start. */
  hour: Date;
  requests: number;
  refusals: number;
}

export interface UsageBucket {
  hour: Date;
  requests: number;
  refusals: number;
}

@Injectable()
export class TokenUsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One statement for a whole flush: each instance adds its counts to the row of the token and hour,
   * so several instances add up. Tokens deleted meanwhile (their API user went) are skipped, not a
   * failed batch.
   */
  async add(tallies: readonly UsageTally[]): Promise<void> {
    if (tallies.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO token_usage_hourly (token_id, hour, requests, refusals)
       SELECT v.token_id, v.hour, v.requests, v.refusals
         FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[]) AS v(token_id, hour, requests, refusals)
         JOIN tokens t ON t.id = v.token_id
       ON CONFLICT (token_id, hour) DO UPDATE
          SET requests = token_usage_hourly.requests + excluded.requests,
              refusals = token_usage_hourly.refusals + excluded.refusals`,
      [
        tallies.map((u) => u.tokenId),
        tallies.map((u) => u.hour.toISOString()),
        tallies.map((u) => u.requests),
        tallies.map((u) => u.refusals),
      ],
    );
  }

  /** Rows older than `before` go (retention); the number deleted. */
  async deleteBefore(before: Date): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(`DELETE FROM token_usage_hourly WHERE hour < $1`, [before]);
    return count ?? 0;
  }

  /** A token's non-empty hours since `since`, oldest first. The caller has checked the token is theirs to see. */
  async hourly(tokenId: string, since: Date): Promise<UsageBucket[]> {
    const rows: UsageBucket[] = await this.dataSource.query(
      `SELECT hour, requests, refusals FROM token_usage_hourly WHERE token_id = $1 AND hour >= $2 ORDER BY hour`,
      [tokenId, since],
    );
    return rows.map((r) => ({ hour: new Date(r.hour), requests: Number(r.requests), refusals: Number(r.refusals) }));
  }
}
