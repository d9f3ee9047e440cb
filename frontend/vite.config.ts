import { defineConfig } from 'vite';

// The built app is committed inside the Python package, so `pip install` needs no Node.
export default defineConfig({
  base: '/',
  build: {
    outDir: '../src/embedlab/app/static',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
