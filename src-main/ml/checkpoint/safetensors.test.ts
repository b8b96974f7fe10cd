import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeSafetensors } from './safetensors-decode'
import { encodeSafetensors } from './safetensors-encode'
import { readSafetensors, writeSafetensors } from './safetensors-file'
import type { TensorMap } from './tensors'

const FIXTURE = join(import.meta.dirname, 'fixtures', 'pytorch-style.safetensors')

/** A file from a header object and raw data bytes, padded like a real writer. */
function buildFile(header: object, data: Uint8Array | number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const length = Math.ceil(json.length / 8) * 8
  const bytes = new Uint8Array(8 + length + data.length)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(length), true)
  bytes.fill(0x20, 8, 8 + length)
  bytes.set(json, 8)
  bytes.set(data, 8 + length)
  return bytes
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))

describe('safetensors', () => {
  const tensors: TensorMap = {
    'conv_last.weight': {
      dtype: 'F32',
      shape: [1, 1, 4, 2],
      data: Float32Array.of(1, -2, 3.5, 4, 5, 6, 7, 8),
    },
    step: { dtype: 'I32', shape: [], data: Int32Array.of(-7) },
    mask: { dtype: 'U8', shape: [3], data: Uint8Array.of(0, 1, 255) },
    empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
  }

  it('round-trips tensors and metadata through a file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'st-')), 'w.safetensors')
    writeSafetensors(path, tensors, { modelKind: 'convlstm' })
    const bytes = readFileSync(path)
    const headerLength = Number(bytes.readBigUInt64LE(0))
    expect((8 + headerLength) % 8).toBe(0)
    const got = readSafetensors(path)
    expect(got.metadata).toEqual({ modelKind: 'convlstm' })
    expect(got.tensors).toEqual(tensors)
    expect(got.tensors['conv_last.weight']!.data).toBeInstanceOf(Float32Array)
  })

  it('reads a file laid out by Python (fixtures/make-pytorch-fixture.py)', () => {
    const { tensors: got, metadata } = readSafetensors(FIXTURE)
    expect(metadata).toEqual({ format: 'pt', model_kind: 'convlstm' })
    expect(got['cell_list.0.conv_x.bias']).toEqual({
      dtype: 'F32',
      shape: [3],
      data: Float32Array.of(0.5, -1.25, 3),
    })
    expect(got['step']).toEqual({ dtype: 'I32', shape: [1], data: Int32Array.of(500) })
    expect(got['mask']).toEqual({
      dtype: 'U8',
      shape: [2, 3],
      data: Uint8Array.of(1, 0, 1, 0, 1, 1),
    })
    const weight = got['cell_list.0.conv_x.weight']!
    expect(weight.shape).toEqual([3, 2, 2, 2])
    expect(weight.data[1 * 8 + 1 * 4 + 0 * 2 + 1]).toBe(1101) // [o=1, i=1, y=0, x=1]
  })

  it('reads tensors at unaligned offsets', () => {
    const f32 = new Uint8Array(Float32Array.of(1.5, -2).buffer)
    const file = buildFile(
      {
        b: { dtype: 'U8', shape: [3], data_offsets: [0, 3] },
        a: { dtype: 'F32', shape: [2], data_offsets: [3, 11] },
      },
      [9, 8, 7, ...f32],
    )
    const { tensors: got } = decodeSafetensors(file, 'x.safetensors')
    expect(got['a']!.data).toEqual(Float32Array.of(1.5, -2))
    expect(got['b']!.data).toEqual(Uint8Array.of(9, 8, 7))
  })

  it('refuses to write data that does not fill its shape', () => {
    expect(() =>
      encodeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }),
    ).toThrow('safetensors: tensor "w" has 3 values, shape [2,2] needs 4')
  })

  describe('rejects damaged files, naming file and problem', () => {
    const good = concat(
      encodeSafetensors({
        'conv_last.weight': { dtype: 'F32', shape: [32, 32], data: new Float32Array(1024) },
      }),
    )
    const entry = (over: object) => ({
      'conv_last.weight': { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...over },
    })
    const cases: Array<[string, Uint8Array, string]> = [
      [
        'a file shorter than 8 bytes',
        good.subarray(0, 5),
        'file is 5 bytes, too short for the 8-byte header length',
      ],
      [
        'a header length beyond the file',
        good.subarray(0, 40),
        'runs past the end of the file (40 bytes)',
      ],
      [
        'a truncated tensor',
        good.subarray(0, good.length - 4096 + 1200),
        'run-3/ckpt-000500.safetensors: tensor "conv_last.weight" needs 4096 bytes, file ends after 1200',
      ],
      [
        'an implausible header length',
        Uint8Array.of(255, 255, 255, 255, 255, 255, 255, 127),
        'is implausible',
      ],
      ['a header that is not JSON', buildFile({}, []).fill(0x78, 8, 9), 'header is not valid JSON'],
      ['a header that is a list', buildFile([1], []), 'header is not a JSON object'],
      [
        'an unknown dtype',
        buildFile(entry({ dtype: 'F16' }), new Uint8Array(8)),
        'unsupported dtype "F16"',
      ],
      [
        'a bad shape',
        buildFile(entry({ shape: [2.5] }), new Uint8Array(8)),
        'has shape [2.5], not a list of sizes',
      ],
      [
        'a shape that disagrees with the byte range',
        buildFile(entry({ shape: [3] }), new Uint8Array(8)),
        'tensor "conv_last.weight" is F32 [3] (12 bytes) but data_offsets span 8',
      ],
      [
        'reversed offsets',
        buildFile(entry({ data_offsets: [8, 0] }), new Uint8Array(8)),
        'ending before they begin',
      ],
      [
        'overlapping tensors',
        buildFile(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          new Uint8Array(12),
        ),
        'tensors "a" and "b" overlap at data byte 4',
      ],
      [
        'a hole between tensors',
        buildFile(
          {
            a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          new Uint8Array(12),
        ),
        'data bytes 4..8 belong to no tensor',
      ],
      [
        'trailing bytes',
        buildFile(entry({}), new Uint8Array(10)),
        '2 bytes follow the last tensor',
      ],
      [
        'metadata that is not strings',
        buildFile({ __metadata__: { step: 5 } }, []),
        '__metadata__ must map names to strings',
      ],
    ]
    for (const [problem, bytes, message] of cases) {
      it(problem, () => {
        expect(() => decodeSafetensors(bytes, 'run-3/ckpt-000500.safetensors')).toThrow(
          `run-3/ckpt-000500.safetensors: `,
        )
        expect(() => decodeSafetensors(bytes, 'run-3/ckpt-000500.safetensors')).toThrow(message)
      })
    }
  })
})
