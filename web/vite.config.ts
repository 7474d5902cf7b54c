import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web UI, built into web/dist and served by the daemon itself (src/app/static.ts).
 *
 * Why Preact: the page is a handful of forms, tables and live lists, and ships inside the npm
 * package and is served offline. Preact gives the React component model (hooks, JSX) for
 * about 4 KB gzipped instead of React + ReactDOM's ~45 KB, and needs no compiler plugin:
 * vite's built-in esbuild transforms the JSX straight to preact's automatic runtime.
 *
 * The daemon sends `Content-Security-Policy: default-src 'self'`, so the build must not emit
 * inline scripts or load anything from a CDN: everything is bundled into /assets/.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const daemon = process.env.TRESOR_URL ?? 'http://127.0.0.1:11510';

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser that runs this UI supports modulepreload; the polyfill is dead weight.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
  // `npx vite --config web/vite.config.ts` for UI work against a running daemon.
  server: {
    proxy: {
      '/api': { target: daemon, changeOrigin: false },
      '/v1': { target: daemon },
      '/v1beta': { target: daemon },
    },
  },
});
