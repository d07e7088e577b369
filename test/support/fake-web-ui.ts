// A built web UI in a temporary folder, as LATCHKEY_WEB_UI_DIR serves it: a page and one content-hashed
// asset, for tests of what is served beside the API. The caller removes it (rmSync, recursive).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAKE_WEB_UI_ASSET = '/assets/app-1a2b3c.js';

export function fakeWebUiDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><title>Latchkey</title><script type="module" src="${FAKE_WEB_UI_ASSET}"></script>`,
  );
  writeFileSync(join(dir, FAKE_WEB_UI_ASSET), 'console.log("ui")');
  return dir;
}
