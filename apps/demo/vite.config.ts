import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The page. `npm run demo` serves the built files from the demo's own server (no Vite dev server
// needed); during page work, `npx vite build --watch` rebuilds them on every save.
export default defineConfig({
  root: 'src/client',
  plugins: [react()],
  build: {
    outDir: '../../dist/client',
    emptyOutDir: true,
    sourcemap: true,
  },
});
