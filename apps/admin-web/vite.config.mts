import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const outDir = resolve(import.meta.dirname, '../../dist/apps/admin-web');

/** gzip and brotli copies of the built assets, which the gateway (@fastify/static preCompressed) serves. */
function precompress(): Plugin {
  return {
    name: 'precompress',
    apply: 'build',
    closeBundle() {
      const assets = join(outDir, 'assets');
      for (const file of readdirSync(assets)) {
        if (!/\.(js|css|svg)$/.test(file)) continue;
        const content = readFileSync(join(assets, file));
        writeFileSync(join(assets, `${file}.gz`), gzipSync(content, { level: 9 }));
        writeFileSync(join(assets, `${file}.br`), brotliCompressSync(content));
      }
    },
  };
}

/** The tenant admin console, served by the gateway at /admin. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/admin/',
  plugins: [react(), precompress()],
  resolve: { alias: { '@scim/admin-api': resolve(import.meta.dirname, '../../libs/admin-api/src/index.ts') } },
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline scripts or styles: the page's Content-Security-Policy allows only its own files.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
});
