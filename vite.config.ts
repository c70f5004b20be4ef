import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The page: sources in web/, built into dist/web/, which the server serves. */
export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/scim': 'http://127.0.0.1:3000' } },
});
