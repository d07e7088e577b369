import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createFastifyAdapter } from './app.setup';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { Draining } from './health/draining';

/** After the drain: how long in-flight requests and the last writes get before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

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

  // SIGTERM: drain (readiness red, connections closed after their response: src/health/draining.ts),
  // then stop accepting connections, let in-flight requests finish, flush buffered writes, close the pool.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.get(Draining).begin();
    setTimeout(() => process.exit(1), config.shutdownDrainSeconds * 1000 + SHUTDOWN_TIMEOUT_MS).unref();
    setTimeout(() => {
      app
        .close()
        .then(() => process.exit(0))
        .catch(() => process.exit(1));
    }, config.shutdownDrainSeconds * 1000);
    void signal;
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

bootstrap().catch((error: unknown) => {
  // Start-up failed (database unreachable, data directory locked): say why in one line, no stack.
  process.stderr.write(`Latchkey could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
