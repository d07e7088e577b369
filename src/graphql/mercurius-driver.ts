// Mercurius as @nestjs/mercurius starts it, but registered without waiting for it to load.
//
// MercuriusDriver.start() awaits app.register(mercurius) during GraphQLModule's onModuleInit. Awaiting
// makes Fastify load every route queued so far, REST's included, before Nest installs its error
// handler (RoutesResolver.registerExceptionHandler, later in app.init()): those routes would keep
// Fastify's default handler, and a body too large or not JSON would answer Fastify's JSON instead of
// problem+json. Left to load with the rest at ready(), every route gets Nest's handler.
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import { MercuriusDriver } from '@nestjs/mercurius';
import type { FastifyInstance } from 'fastify';
import mercurius from 'mercurius';

export class DeferredMercuriusDriver extends MercuriusDriver {
  override async start(options: MercuriusDriverConfig): Promise<void> {
    // Mercurius plugins and hooks, and @nestjs/graphql's request hooks, are not used by Latchkey.
    const { plugins, hooks, ...mercuriusOptions } = options as MercuriusDriverConfig & { plugins?: unknown[]; hooks?: unknown };
    if ((plugins && plugins.length > 0) || hooks) throw new Error('Mercurius plugins and hooks are not supported here');
    const app = this.httpAdapterHost.httpAdapter.getInstance<FastifyInstance>();
    void app.register(mercurius, mercuriusOptions as never);
  }
}
