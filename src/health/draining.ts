// The first part of a graceful shutdown (src/main.ts). For LATCHKEY_SHUTDOWN_DRAIN_SECONDS after SIGTERM
// the instance still serves, but readiness answers 503 (balancers that probe it stop sending) and every
// response closes its connection (balancers that keep connections open, like nginx, stop reusing them).
// Only then does the listener close: a request sent afterwards is refused at connect, which any balancer
// may retry elsewhere, whatever its method, because nothing of it reached this instance.
import { Injectable } from '@nestjs/common';

@Injectable()
export class Draining {
  private since: number | null = null;

  get active(): boolean {
    return this.since !== null;
  }

  begin(): void {
    this.since ??= Date.now();
  }
}
