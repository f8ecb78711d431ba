import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

/** The web client: one page app served by the Nest app at / (see src/app.module.ts). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // @flowgate/core from its sources (its `@flowgate/source` export condition), so the
  // client builds without building the packages first.
  resolve: { conditions: ['@flowgate/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // cytoscape and its layouts are one chunk, loaded by the pages that draw a graph.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npx vite --config client/vite.config.ts` during development, beside `npm run start:dev`.
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
