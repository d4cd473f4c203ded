import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The dashboard is served by the Python app at `/`; the build lands in the package's static folder.
const backend = process.env.STREAMFLEET_DEV_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../src/streamfleet/static', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': { target: backend, ws: true, changeOrigin: false },
      '/hls': backend,
      '/thumbs': backend,
      '/healthz': backend,
    },
  },
})
