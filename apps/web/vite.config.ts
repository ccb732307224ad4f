import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// In development the API runs on its own port (npm start, default 3000); Vite proxies the API and
// DICOMweb to it so the app is same-origin exactly as in production, where the API serves dist/.
const apiTarget = process.env.ZHIYIN_API_URL ?? 'http://127.0.0.1:3000';

// The image loader's codecs are WebAssembly files it fetches at run time from one base path
// (decodeConfig.wasmBasePath); Vite cannot follow their bare-specifier URLs, so they are copied.
// They are resolved from the loader's own package: its JavaScript glue is bundled from the codec
// versions it pins, and a WebAssembly file of another version (the API's, hoisted) fails to link.
const require = createRequire(import.meta.url);
const loaderRequire = createRequire(require.resolve('@cornerstonejs/dicom-image-loader/package.json'));
const CODECS: Record<string, string> = {
  'charlswasm_decode.wasm': '@cornerstonejs/codec-charls/decodewasm',
  'openjpegwasm_decode.wasm': '@cornerstonejs/codec-openjpeg/decodewasm',
  'libjpegturbowasm_decode.wasm': '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm',
  'openjphjs.wasm': '@cornerstonejs/codec-openjph/wasm',
  'jpegxlwasm_decode.wasm': '@cornerstonejs/codec-libjxl/decodewasm',
};
function codecWasm(): Plugin {
  const load = (name: string) => readFileSync(loaderRequire.resolve(CODECS[name]!));
  return {
    name: 'zhiyin-codec-wasm',
    generateBundle() {
      for (const name of Object.keys(CODECS)) {
        this.emitFile({ type: 'asset', fileName: `assets/codecs/${name}`, source: load(name) });
      }
    },
    configureServer(server) {
      server.middlewares.use('/assets/codecs/', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0]!;
        if (!CODECS[name]) return next();
        res.setHeader('content-type', 'application/wasm');
        res.end(load(name));
      });
    },
  };
}

// The image viewer's chunk URL, for a <link rel="modulepreload"> that downloads and compiles it without running it
// (src/shared/viewer/preload.ts): running it — Cornerstone3D and vtk.js — is long main-thread work, done once the
// first image is on screen. The build writes the URL of the chunk that holds the viewer where the module's
// placeholder is, as the chunk's preliminary file name, whose hash the bundler then fills in like any other
// reference; in development the module is served by its source path.
const VIEWER_CHUNK_URL = 'virtual:zhiyin-viewer-chunk-url';
const VIEWER_CHUNK_PLACEHOLDER = '__ZHIYIN_VIEWER_CHUNK_URL__';
function viewerChunkUrl(): Plugin {
  const viewer = fileURLToPath(new URL('./src/shared/viewer/ClinicalViewer.tsx', import.meta.url));
  let build = false;
  return {
    name: 'zhiyin-viewer-chunk-url',
    configResolved(config) {
      build = config.command === 'build';
    },
    resolveId: (id) => (id === VIEWER_CHUNK_URL ? `\0${VIEWER_CHUNK_URL}` : undefined),
    load(id) {
      if (id !== `\0${VIEWER_CHUNK_URL}`) return undefined;
      return `export default ${JSON.stringify(build ? VIEWER_CHUNK_PLACEHOLDER : '/src/shared/viewer/ClinicalViewer.tsx')};`;
    },
    renderChunk(code, _chunk, _options, meta) {
      if (!code.includes(VIEWER_CHUNK_PLACEHOLDER)) return null;
      const holder = Object.values(meta.chunks).find((c) => c.moduleIds.includes(viewer));
      if (!holder) this.error('the image viewer is in no chunk');
      return { code: code.replaceAll(VIEWER_CHUNK_PLACEHOLDER, `/${holder.fileName}`), map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), codecWasm(), viewerChunkUrl()],
  // vtk.js (Cornerstone3D's renderer) brings xmlbuilder2, whose classes extend Node's EventEmitter:
  // the browser gets the \`events\` package rather than an empty stand-in.
  resolve: { alias: { events: require.resolve('events/') } },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/dicomweb': { target: apiTarget, changeOrigin: false },
      '/socket.io': { target: apiTarget, changeOrigin: false, ws: true },
    },
  },
  optimizeDeps: {
    include: ['dicom-parser', 'dicom-character-set', 'pako'],
    // the loader starts its workers with new URL(..., import.meta.url), which pre-bundling breaks
    exclude: ['@cornerstonejs/dicom-image-loader'],
  },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
    // Cornerstone3D's modules import each other in cycles (a class extends one defined later in a
    // cycle); keeping each module's own execution order avoids "Class extends value undefined".
    rolldownOptions: { output: { strictExecutionOrder: true } },
  },
});
