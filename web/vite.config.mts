// Builds the web UI (web/src) into web/dist, which Latchkey serves at / (see src/app.setup.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  // Vite 8 transforms TSX itself (oxc); React's automatic runtime, as web/tsconfig.json says.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Latchkey's CSP allows no inline script: keep every script an external, hashed file.
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
