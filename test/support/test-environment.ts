// Every test file's jest environment: Node's, plus the in-memory embedded databases the test files ask for.
// Jest loads every module again for each test file, PGlite's included: each file's first database compiled
// the 9 MB WebAssembly engine again and ran PGlite's JavaScript cold (about a second of CPU per file).
// This module is loaded once per jest worker, outside the files' sandboxes, and so is the PGlite it starts:
// compiled once, warm for every file after the first. The app in the sandbox reaches it over TCP as before.
import { readFileSync } from 'node:fs';
import { TestEnvironment } from 'jest-environment-node';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';

export interface EmbeddedCopy {
  url: string;
  stop(): Promise<void>;
}

const dumps = new Map<string, Buffer>();

/**
 * The dump as PGlite loads it: it only asks for arrayBuffer(). Not a Node Blob, which copies the 40 MB in
 * and out again in small chunks; each copy gets bytes of its own, as PGlite's in-memory files keep them.
 */
function dumpOf(path: string): Blob {
  let bytes = dumps.get(path);
  if (!bytes) dumps.set(path, (bytes = readFileSync(path)));
  const whole = bytes;
  return {
    type: 'application/x-tar',
    arrayBuffer: async () => whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength),
  } as Blob;
}

export default class LatchkeyTestEnvironment extends TestEnvironment {
  /** This file's copies still running: stopped when the file ends, so none outlives it in the worker. */
  private readonly copies = new Set<EmbeddedPostgres>();

  override async setup(): Promise<void> {
    await super.setup();
    const startEmbeddedCopy = async (dumpPath: string): Promise<EmbeddedCopy> => {
      const embedded = await EmbeddedPostgres.start({ inMemory: true, dump: dumpOf(dumpPath) });
      this.copies.add(embedded);
      return {
        url: embedded.url,
        stop: async () => {
          this.copies.delete(embedded);
          await embedded.stop();
        },
      };
    };
    this.global.startEmbeddedCopy = startEmbeddedCopy;
  }

  override async teardown(): Promise<void> {
    await Promise.all([...this.copies].map((embedded) => embedded.stop()));
    this.copies.clear();
    await super.teardown();
  }
}
