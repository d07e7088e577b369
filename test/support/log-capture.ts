import type { DestinationStream } from 'pino';

/** Collects the JSON log lines an app writes, to assert what they never contain. */
export class LogCapture implements DestinationStream {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  get text(): string {
    return this.lines.join('');
  }
}
