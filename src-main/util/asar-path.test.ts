import { describe, expect, it } from 'vitest'
import { unpackedPath } from './asar-path'

describe('unpackedPath', () => {
  it('points a file inside app.asar at its unpacked copy', () => {
    expect(
      unpackedPath(
        '/opt/TMU Workbench/resources/app.asar/node_modules/@ffmpeg-installer/linux-x64/ffmpeg',
      ),
    ).toBe(
      '/opt/TMU Workbench/resources/app.asar.unpacked/node_modules/@ffmpeg-installer/linux-x64/ffmpeg',
    )
    expect(unpackedPath('C:\\TMU\\resources\\app.asar\\node_modules\\x.wasm')).toBe(
      'C:\\TMU\\resources\\app.asar.unpacked\\node_modules\\x.wasm',
    )
  })

  it('leaves paths outside an archive, and already unpacked ones, alone', () => {
    const checkout = '/work/tmu/node_modules/@tensorflow/tfjs-backend-wasm/dist/'
    expect(unpackedPath(checkout)).toBe(checkout)
    const unpacked = '/opt/tmu/resources/app.asar.unpacked/node_modules/a.wasm'
    expect(unpackedPath(unpacked)).toBe(unpacked)
    expect(unpackedPath('/home/ada/app.asarchive/x')).toBe('/home/ada/app.asarchive/x')
  })
})
