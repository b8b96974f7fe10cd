import { describe, expect, it } from 'vitest'
import { ModelConfig } from '../domain/model'
import { forwardConvFlops, trainingConvFlops } from './conv-flops'
import { parameterShapes } from './parameter-shapes'

/**
 * Multiply-adds of one forward pass counted the slow way: every convolution kernel the network
 * holds (parameterShapes, which its own test checks against real networks: [kh, kw, Cin,
 * Cout]), applied at every output position of the patched grid, tap by tap. Taps in the 'same'
 * zero padding count too: the backends compute them. Nothing here shares the formula's algebra.
 */
function countMultiplyAdds(model: ModelConfig, batch: number, steps: number): number {
  const rows = model.imageHeight / model.patchSize
  const cols = model.imageWidth / model.patchSize
  let macs = 0
  for (const [name, shape] of Object.entries(parameterShapes(model))) {
    if (shape.length !== 4) continue // biases and layer norms are not convolutions
    // PredRNN++ holds OpenSTL's conv_o but never applies it (causal-lstm.ts).
    if (model.cell === 'predrnnpp' && name.endsWith('.conv_o.0.weight')) continue
    const [kh, kw, cin, cout] = shape as [number, number, number, number]
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) macs += cin * cout
        }
      }
    }
  }
  return macs * batch * steps
}

const small = {
  kernelSize: 3,
  patchSize: 2,
  imageHeight: 8,
  imageWidth: 12,
  channels: 1,
}

describe('forwardConvFlops', () => {
  it.each([
    ['ConvLSTM, layers of different widths', { cell: 'convlstm', hidden: [3, 5] }],
    [
      'ConvLSTM with layer norm, 2 channels',
      { cell: 'convlstm', hidden: [4], channels: 2, layerNorm: true },
    ],
    ['PredRNN', { cell: 'predrnn', hidden: [4, 4, 4] }],
    ['PredRNN++ with its gradient highway', { cell: 'predrnnpp', hidden: [4, 4, 4] }],
    [
      'PredRNN with layer norm, 5×5',
      { cell: 'predrnn', hidden: [2, 2], kernelSize: 5, layerNorm: true },
    ],
    ['a ConvLSTM TMU target, M = 2 at layer 1', { hidden: [4, 4], tmu: { sources: 2 } }],
    [
      'a PredRNN++ TMU target, M = 3 at layers 1 and 2',
      { cell: 'predrnnpp', hidden: [4, 4], tmu: { sources: 3, layers: [1, 2] } },
    ],
  ])('is two FLOPs per multiply-add counted tap by tap: %s', (_, overrides) => {
    const model = ModelConfig.parse({ ...small, ...overrides })
    expect(forwardConvFlops(model, 3, 4)).toBe(2 * countMultiplyAdds(model, 3, 4))
  })

  it('counts the paper ConvLSTM as derived by hand', () => {
    // 4 × 64 ConvLSTM, 5×5 kernels, 64×64 frames in 4×4 patches: 16×16 positions, 16 channels.
    // Per position, layer 1: 25·(16 + 64)·256 = 512 000 MACs; layers 2–4: 25·(64 + 64)·256 =
    // 819 200 each; the 1×1 head 64·16 = 1 024; in all 2 970 624 (docs/method.md §3.9's
    // 2 971 648 parameters less the 1 024 gate biases). × 256 positions × batch 8 × 19 steps
    // = 115 592 921 088 MACs = 231.19 GFLOP forward; training is 3× that, 693.56 GFLOP.
    const model = ModelConfig.parse({ hidden: [64, 64, 64, 64] })
    expect(forwardConvFlops(model, 8, 19)).toBe(2 * 115_592_921_088)
    expect(trainingConvFlops(model, 8, 19)).toBe(3 * 2 * 115_592_921_088)
  })
})
