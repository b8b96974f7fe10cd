import { open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeNpy, encodeNpyHeader, parseNpyHeader, readNpyElements, readNpyHeader } from './npy'
import { makeTempDir } from '../testing/data-fixtures'

describe('npy header', () => {
  it('round-trips shape and dtype and aligns data to 64 bytes', () => {
    const header = encodeNpyHeader('float32', [20, 10000, 64, 64])
    expect(header.length % 64).toBe(0)
    const parsed = parseNpyHeader(header, 'x.npy')
    expect(parsed).toEqual({
      dtype: 'float32',
      shape: [20, 10000, 64, 64],
      dataOffset: header.length,
      itemBytes: 4,
    })
  })

  it('names the file and the problem for broken headers', () => {
    const good = encodeNpyHeader('uint8', [2, 3])
    expect(() => parseNpyHeader(good.subarray(0, 30), 'a.npy')).toThrow(
      'a.npy: truncated .npy header',
    )
    const huge = good.slice()
    huge[6] = 2
    new DataView(huge.buffer).setUint32(8, 0x7fffffff, true)
    expect(() => parseNpyHeader(huge, 'b.npy')).toThrow(
      /b\.npy: .npy header claims 2147483647 bytes/,
    )
    expect(() => parseNpyHeader(new TextEncoder().encode('hello world!'), 'c.txt')).toThrow(
      'c.txt: not a .npy file',
    )
    const int16 = good.slice()
    int16.set(new TextEncoder().encode('<i2'), Buffer.from(good).indexOf('|u1'))
    expect(() => parseNpyHeader(int16, 'd.npy')).toThrow("d.npy: unsupported dtype '<i2'")
    expect(() => parseNpyHeader(good, 'e.npy', good.length + 5)).toThrow(
      /e\.npy: truncated: shape needs/,
    )
    expect(() => parseNpyHeader(good, 'f.npy', good.length + 7)).toThrow(
      'f.npy: 1 unexpected bytes',
    )
  })

  it('reads element slices from a file', async () => {
    const path = join(makeTempDir(), 'v.npy')
    await writeFile(
      path,
      encodeNpy(
        Float64Array.from({ length: 12 }, (_, i) => i / 2),
        [3, 4],
      ),
    )
    const handle = await open(path, 'r')
    const header = await readNpyHeader(handle, path)
    expect(Array.from(await readNpyElements(handle, header, 5, 3))).toEqual([2.5, 3, 3.5])
    await handle.close()
  })
})
