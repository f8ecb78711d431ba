import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/**
 * Beside every build, a content-hashed copy (`preferences.<hash>.js`, cacheable for a year)
 * and `embed.json` naming it with its Subresource Integrity hash, so a host can pin one version.
 */
function hashedCopy(): Plugin {
  return {
    name: 'flowgate-embed-hashed-copy',
    generateBundle(_options, bundle) {
      const chunk = bundle['preferences.js'];
      if (!chunk || chunk.type !== 'chunk') throw new Error('preferences.js is missing from the embed build');
      const hash = createHash('sha256').update(chunk.code).digest('hex').slice(0, 12);
      const file = `preferences.${hash}.js`;
      this.emitFile({ type: 'asset', fileName: file, source: chunk.code });
      const integrity = `sha384-${createHash('sha384').update(chunk.code).digest('base64')}`;
      this.emitFile({
        type: 'asset',
        fileName: 'embed.json',
        source: `${JSON.stringify({ script: `/embed/${file}`, integrity, latest: '/embed/preferences.js' }, null, 2)}\n`,
      });
    },
  };
}

/**
 * The <flowgate-preferences> embed: one ES module with its styles inlined, nothing else
 * (no cytoscape), served by the Nest app at /embed/preferences.js. Built after the app
 * (client/vite.config.mts), into client/dist/embed.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: false,
  // @flowgate/core from its sources, as in client/vite.config.mts.
  resolve: { conditions: ['@flowgate/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist/embed',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    lib: {
      entry: fileURLToPath(new URL('src/preferences/flowgate-preferences.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'preferences.js',
    },
  },
  plugins: [hashedCopy()],
});
