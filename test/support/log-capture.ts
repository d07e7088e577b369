import type { DestinationStream } from 'pino';

/**
 * Collects the JSON log lines an app writes, to assert what they never contain. nestjs-pino builds one
 * logger per module registry, on first use: every app of a test file logs with the level and to the
 * destination of the first app started there.
 */
export class LogCapture implements DestinationStream {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  get text(): string {
    return this.lines.join('');
  }

  /** The lines with this message, parsed. */
  withMessage(msg: string): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === msg);
  }
}
