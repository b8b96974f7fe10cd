/**
 * The real file behind a path inside a packaged app's `app.asar`: electron-builder unpacks
 * what must be run or memory-mapped (electron-builder.json's asarUnpack: addons, tfjs's
 * wasm, ffmpeg) into `app.asar.unpacked` beside it. Paths outside an archive pass unchanged.
 */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2')
}
