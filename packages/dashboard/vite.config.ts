import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard page, built when the package is built: users mount it without a bundler. `base:
// './'` keeps every asset URL relative to the page, so it works under any mount path.
export default defineConfig({
  root: 'src/ui',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../ui-dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // The page's CSP allows no data: fonts and keeps everything a file of its own: never inline assets.
    assetsInlineLimit: 0,
    // Browsers that run the page are current ones (an admin tool); no legacy transforms.
    target: 'es2022',
  },
});
