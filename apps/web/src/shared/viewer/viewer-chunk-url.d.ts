// The image viewer's chunk URL, put in place by the build (vite.config.ts, viewerChunkUrl).
declare module 'virtual:zhiyin-viewer-chunk-url' {
  const url: string;
  export default url;
}
