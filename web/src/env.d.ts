/// <reference types="vite/client" />

// hls.js ships its light build (no subtitles, alternate audio or DRM: not needed for our live
// HLS) without its own type file; it has the same API as the full build.
declare module 'hls.js/light' {
  import Hls from 'hls.js'
  export * from 'hls.js'
  export default Hls
}
