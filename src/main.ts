import { collectStartUpGarbage, memoryReducerAdvice, tickObjectShapeKept } from './heap-tuning';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createFastifyAdapter } from './app.setup';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { shutDownGracefully } from './health/draining';
import { warmUpTokenCheck } from './checks/check-warm-up';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createFastifyAdapter(config), {
    bufferLogs: true,
  });
  await configureApp(app, config);

  // SIGTERM: drain, stop listening, let open connections end, flush buffered writes, close the pool
  // (src/health/draining.ts says why in this order).
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    shutDownGracefully(app, config.shutdownDrainSeconds)
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  // The token check is warmed once everything is in place and before anything listens, so the first
  // check (and /health/ready) finds it warm. Here rather than in a lifecycle hook: those run inside
  // app.init(), before Fastify is ready to take a request, and for every test app too.
  const heap = new Logger('Heap');
  const advice = memoryReducerAdvice(process.execArgv);
  if (advice) heap.warn(advice);
  if (!tickObjectShapeKept())
    heap.log("no next-tick object kept: node's nextTick may get dearer after full collections (src/heap-tuning.ts)");
  await app.init();
  await warmUpTokenCheck(app);
  if (collectStartUpGarbage() === null)
    heap.log('no full collection at the end of the start (node started with its own --expose-gc choice, or V8 kept the collector)');
  await app.listen({ port: config.port, host: config.host });
}

bootstrap().catch((error: unknown) => {
  // Start-up failed (database unreachable, data directory locked): say why in one line, no stack.
  process.stderr.write(`Latchkey could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
