// The web client (一图 one map): Vite builds web/ into dist/web, which the server serves with an
// index.html fallback. In development `vite` proxies the API and the MQTT WebSocket to a local server.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./web', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web', import.meta.url));
const server = process.env.SMART_ESTATE_SERVER ?? '127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    // three.js alone is ~700 kB minified; one chunk for it keeps the app chunk small and cacheable.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // React alone first: otherwise it rides in the three chunk, and the guard app (/guard) on a phone would load three.js
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'three', test: /node_modules[\\/](three|@react-three|three-stdlib)[\\/]/ },
            { name: 'vendor', test: /node_modules[\\/]/ },
          ],
        },
      },
    },
  },
  // mqtt@5 ships a browser ESM build (its package.json `exports.browser`); pre-bundle it in dev too.
  optimizeDeps: { include: ['mqtt'] },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: `http://${server}`, changeOrigin: false },
      '/mqtt': { target: `ws://${server}`, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: `http://${server}` },
      '/mqtt': { target: `ws://${server}`, ws: true },
    },
  },
});
