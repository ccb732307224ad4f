import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the API runs on its own port (npm start, default 3000); Vite proxies the API and
// DICOMweb to it so the app is same-origin exactly as in production, where the API serves dist/.
const apiTarget = process.env.ZHIYIN_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/dicomweb': { target: apiTarget, changeOrigin: false },
      '/socket.io': { target: apiTarget, changeOrigin: false, ws: true },
    },
  },
  optimizeDeps: { include: ['dicom-parser', 'dicom-character-set', 'pako'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
});
