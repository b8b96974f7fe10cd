import * as tf from '@tensorflow/tfjs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ModelConfig } from '../../domain/model'
import { runSequence } from '../forward'
import { createNetwork } from '../network'
import { namedFromTensorMap, tensorMapFromNamed } from '../tensor-map'
import {
  exportPytorchSafetensors,
  fromPytorchLayout,
  importPytorchSafetensors,
  toPytorchLayout,
} from './pytorch-interchange'
import { readSafetensors } from './safetensors-file'
import type { Tensor, TensorMap } from './tensors'
import { transposeTensor } from './transpose'

const FIXTURE = join(import.meta.dirname, 'fixtures', 'pytorch-style.safetensors')
const TORCH_CONV = join(import.meta.dirname, 'fixtures', 'torch-conv.safetensors')

/** A float tensor whose values encode their index, 10^k per axis, e.g. [1,0,2] → 102. */
function indexed(shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  const data = new Float32Array(size)
  for (let flat = 0; flat < size; flat++) {
    let rest = flat
    let value = 0
    for (let axis = shape.length - 1, scale = 1; axis >= 0; axis--, scale *= 10) {
      value += (rest % shape[axis]!) * scale
      rest = Math.floor(rest / shape[axis]!)
    }
    data[flat] = value
  }
  return { dtype: 'F32', shape, data }
}

const at = (tensor: Tensor, index: number[]) =>
  tensor.data[index.reduce((flat, i, axis) => flat * tensor.shape[axis]! + i, 0)]

describe('transposeTensor', () => {
  it('moves every element to its permuted index', () => {
    const input = indexed([2, 3, 4, 5])
    const out = transposeTensor(input, [3, 2, 0, 1])
    expect(out.shape).toEqual([5, 4, 2, 3])
    expect(at(out, [4, 3, 1, 2])).toBe(1234) // input [1,2,3,4]
    expect(at(out, [0, 1, 0, 2])).toBe(210)
    expect(transposeTensor(out, [2, 3, 1, 0])).toEqual(input)
  })

  it('keeps the dtype and rejects non-permutations', () => {
    const ints: Tensor = { dtype: 'I32', shape: [2, 2], data: Int32Array.of(1, 2, 3, 4) }
    expect(transposeTensor(ints, [1, 0]).data).toEqual(Int32Array.of(1, 3, 2, 4))
    expect(() => transposeTensor(ints, [0, 0])).toThrow('not a permutation of 2 axes')
  })
})

describe('PyTorch interchange', () => {
  const weights: TensorMap = {
    'cell_list.0.conv_x.0.weight': indexed([5, 5, 2, 8]), // conv [kh, kw, in, out]
    'cell_list.0.conv_x.0.bias': indexed([8]),
    'cell_list.0.conv_x.1.weight': indexed([4, 3, 8]), // layer norm [h, w, C]
    'cell_list.0.conv_x.1.bias': indexed([4, 3, 8]),
    'conv_last.weight': indexed([1, 1, 8, 2]),
  }

  it('exports conv kernels as [out, in, kh, kw] and layer norms as [C, h, w]', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pt-')), 'model.safetensors')
    exportPytorchSafetensors(path, weights, { metadata: { modelKind: 'convlstm' } })
    const { tensors, metadata } = readSafetensors(path)
    expect(metadata).toEqual({ format: 'pt', modelKind: 'convlstm' })
    const conv = tensors['cell_list.0.conv_x.0.weight']!
    expect(conv.shape).toEqual([8, 2, 5, 5])
    expect(at(conv, [7, 1, 3, 4])).toBe(3417) // tfjs [kh=3, kw=4, in=1, out=7]
    expect(tensors['conv_last.weight']!.shape).toEqual([2, 8, 1, 1])
    const norm = tensors['cell_list.0.conv_x.1.bias']!
    expect(norm.shape).toEqual([8, 4, 3])
    expect(at(norm, [6, 3, 2])).toBe(326)
    expect(tensors['cell_list.0.conv_x.0.bias']).toEqual(weights['cell_list.0.conv_x.0.bias'])
    expect(importPytorchSafetensors(path).tensors).toEqual(weights)
  })

  it('imports a Python-written PyTorch conv weight into tfjs layout', () => {
    const { tensors } = importPytorchSafetensors(FIXTURE)
    const weight = tensors['cell_list.0.conv_x.weight']!
    expect(weight.shape).toEqual([2, 2, 2, 3]) // [kh, kw, in, out] of Conv2d(2, 3, 2)
    for (const [y, x, i, o] of [
      [0, 1, 1, 2],
      [1, 0, 0, 1],
      [1, 1, 1, 0],
    ] as const) {
      expect(at(weight, [y, x, i, o])).toBe(1000 * o + 100 * i + 10 * y + x)
    }
    expect(tensors['mask']!.shape).toEqual([2, 3]) // not a weight: unchanged
  })

  it('imports a torch Conv2d that convolves like torch did', async () => {
    await tf.ready()
    const before = tf.memory().numTensors
    const { tensors } = importPytorchSafetensors(TORCH_CONV)
    const float = (name: string) => {
      const t = tensors[name]!
      if (t.dtype !== 'F32') throw new Error(`${name} is ${t.dtype}`)
      return tf.tensor(t.data, [...t.shape])
    }
    const [got, want] = tf.tidy(() => {
      // Input and output are plain tensors (no .weight), so they arrive NCHW as saved.
      const x = float('input_nchw').transpose([0, 2, 3, 1]) as tf.Tensor4D
      const kernel = float('weight') as tf.Tensor4D
      const y = tf.conv2d(x, kernel, 1, 'same').add(float('bias'))
      return [y.arraySync(), float('output_nchw').transpose([0, 2, 3, 1]).arraySync()]
    })
    expect(tensors['weight']!.shape).toEqual([3, 3, 2, 3])
    expect(got).toHaveLength(1)
    ;(want as number[][][][]).flat(3).forEach((value, i) => {
      expect((got as number[][][][]).flat(3)[i]).toBeCloseTo(value, 5)
    })
    expect(tf.memory().numTensors).toBe(before)
  })

  it('follows an explicit layout list over the name rule', () => {
    const tensors: TensorMap = {
      'gate.kernel': indexed([3, 3, 2, 4]),
      'frozen.weight': indexed([3, 3, 2, 4]),
    }
    const layouts = { 'gate.kernel': 'conv2d', 'frozen.weight': 'bias' } as const
    const out = toPytorchLayout(tensors, { layouts })
    expect(out['gate.kernel']!.shape).toEqual([4, 2, 3, 3])
    expect(out['frozen.weight']).toBe(tensors['frozen.weight'])
    expect(fromPytorchLayout(out, { layouts })).toEqual(tensors)
    expect(() => toPytorchLayout({ b: indexed([3]) }, { layouts: { b: 'layerNorm' } })).toThrow(
      '"b" is listed as layerNorm (rank 3) but has rank 1',
    )
  })
})

describe('a MAU network through a PyTorch-layout file', () => {
  it('loads into another MAU by name and layout rule alone, and rolls out the same', async () => {
    await tf.setBackend('cpu')
    const before = tf.memory().numTensors
    const model = ModelConfig.parse({
      cell: 'mau',
      hidden: [4, 4],
      kernelSize: 3,
      patchSize: 2,
      imageHeight: 16,
      imageWidth: 16,
    })
    const [trained, fresh] = [1, 2].map((seed) => createNetwork(model, { seed }))
    const path = join(mkdtempSync(join(tmpdir(), 'mau-interchange-')), 'mau.safetensors')
    // Layouts listed on the way out, as the workbench exports; guessed from names on the way
    // in, as a file written by OpenSTL's MAU_Model (ConvTranspose2d weights included) is read.
    const layouts = Object.fromEntries(trained!.params.entries().map((e) => [e.name, e.layout]))
    const named = trained!.params.getWeights()
    exportPytorchSafetensors(path, await tensorMapFromNamed(named), { layouts })
    tf.dispose(Object.values(named))
    const { tensors } = importPytorchSafetensors(path)
    expect(tensors['decoders.0.c_decoder0.weight']!.shape).toEqual([3, 3, 4, 4])
    expect(tensors['cell_list.1.conv_t.1.weight']!.shape).toEqual([2, 2, 12])
    const imported = namedFromTensorMap(tensors)
    fresh!.params.setWeights(imported)
    tf.dispose(Object.values(imported))
    const clip = tf.randomUniform([2, 6, 8, 8, 4], 0, 1, 'float32', 7) as tf.Tensor5D
    const [a, b] = [trained!, fresh!].map((net) =>
      tf.tidy(() => runSequence(net, clip, { inputFrames: 3 }).guessesBTHWC.dataSync()),
    )
    expect(Array.from(b!)).toEqual(Array.from(a!))
    clip.dispose()
    trained!.dispose()
    fresh!.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('an E3D-LSTM network through a PyTorch-layout file', () => {
  it('loads by OpenSTL names and layout rule alone (Conv3d, window norms) and rolls out the same', async () => {
    await tf.setBackend('cpu')
    const before = tf.memory().numTensors
    const model = ModelConfig.parse({
      cell: 'e3d',
      hidden: [4, 4],
      kernelSize: 3,
      patchSize: 2,
      imageHeight: 8,
      imageWidth: 8,
      layerNorm: true,
    })
    const [trained, fresh] = [1, 2].map((seed) => createNetwork(model, { seed }))
    const path = join(mkdtempSync(join(tmpdir(), 'e3d-interchange-')), 'e3d.safetensors')
    const layouts = Object.fromEntries(trained!.params.entries().map((e) => [e.name, e.layout]))
    const named = trained!.params.getWeights()
    const pytorch = toPytorchLayout(await tensorMapFromNamed(named), { layouts })
    // OpenSTL's shapes: Conv3d [out, in, d, k, k], LayerNorm([C, d, h, w]).
    expect(pytorch['cell_list.0.conv_x.0.conv3d.weight']!.shape).toEqual([28, 4, 2, 3, 3])
    expect(pytorch['cell_list.1._norm_c_t.weight']!.shape).toEqual([4, 2, 4, 4])
    expect(pytorch['cell_list.1.conv_h.1.bias']!.shape).toEqual([16, 2, 4, 4])
    expect(pytorch['conv_last.weight']!.shape).toEqual([4, 4, 2, 1, 1])
    exportPytorchSafetensors(path, await tensorMapFromNamed(named), { layouts })
    tf.dispose(Object.values(named))
    const imported = namedFromTensorMap(importPytorchSafetensors(path).tensors)
    fresh!.params.setWeights(imported)
    tf.dispose(Object.values(imported))
    const clip = tf.randomUniform([2, 5, 4, 4, 4], 0, 1, 'float32', 7) as tf.Tensor5D
    const [a, b] = [trained!, fresh!].map((net) =>
      tf.tidy(() => runSequence(net, clip, { inputFrames: 3 }).guessesBTHWC.dataSync()),
    )
    expect(Array.from(b!)).toEqual(Array.from(a!))
    clip.dispose()
    trained!.dispose()
    fresh!.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
