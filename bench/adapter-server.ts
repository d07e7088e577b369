// A minimal Nest app on the adapter named by argv[2] (express or fastify), shaped like Latchkey's hot
// path: a passport-http-bearer guard, an in-memory credential lookup by SHA-256, a 204 with headers.
// bench/adapters.ts runs it once per adapter, so the choice of adapter rests on a measurement.
import 'reflect-metadata';
import { Controller, Get, HttpCode, Injectable, Module, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { hash } from 'node:crypto';
import { Strategy } from 'passport-http-bearer';

const [adapterName, port, token] = process.argv.slice(2);
const credentials = new Map([[hash('sha256', token, 'hex'), { id: 'bench-principal', type: 'api_user' }]]);

@Injectable()
class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  validate(secret: string) {
    const principal = credentials.get(hash('sha256', secret, 'hex'));
    if (!principal) throw new UnauthorizedException();
    return principal;
  }
}

interface HeaderSetter {
  header(name: string, value: string): unknown;
}

@Controller()
class BenchController {
  @Get('plain')
  plain() {
    return { status: 'ok' };
  }

  @Get('checked')
  @HttpCode(204)
  @UseGuards(AuthGuard('bearer'))
  checked(@Res({ passthrough: true }) reply: HeaderSetter) {
    reply.header('Latchkey-Principal-Id', 'bench-principal');
    reply.header('Latchkey-Principal-Type', 'api_user');
  }
}

@Module({ imports: [PassportModule], controllers: [BenchController], providers: [BearerStrategy] })
class BenchModule {}

async function main() {
  const adapter = adapterName === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  await app.listen(Number(port), '127.0.0.1');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
