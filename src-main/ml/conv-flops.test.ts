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

  it('counts SimVP and TAU as derived by hand: encoder and decoder per frame, translator per clip', () => {
    // 8×8 frames, Tin = 2, hid_S 2, N_S 2 (latents 4×4), hid_T 4, N_T 2, MixMlp ×2; Tout = 2
    // (steps 3): one pass. Per frame: encoder 9·1·2·64 + 9·2·2·16 = 1 728; decoder (upsampling
    // block at 16 positions to 8 channels, then one at 64) 9·2·8·16 + 9·2·2·64 = 4 608, readout
    // 2·64 = 128; × Tin = 12 928. Translator, once: two blocks of d = Tin·hid_S = hid_T = 4
    // (no reductions) at 16 positions, per block proj₁ + proj₂ 2·16, dw 25·4 + 49·4, MixMlp
    // 2·32 + 9·8: 464, plus conv1 2d² = 32 (gSTA) or d² = 16 (TAU). SimVP 2·(464 + 32)·16 =
    // 15 872; TAU 2·(464 + 16)·16 = 15 360.
    const sizes = {
      inputFrames: 2,
      spatialChannels: 2,
      translatorChannels: 4,
      spatialBlocks: 2,
      translatorBlocks: 2,
      mlpRatio: 2,
    }
    const model = (cell: 'simvp' | 'tau') =>
      ModelConfig.parse({ cell, patchSize: 1, imageHeight: 8, imageWidth: 8, simvp: sizes })
    expect(forwardConvFlops(model('simvp'), 1, 3)).toBe(2 * (12_928 + 15_872))
    expect(forwardConvFlops(model('tau'), 1, 3)).toBe(2 * (12_928 + 15_360))
  })

  it("counts OpenSTL's Moving MNIST E3D-LSTM as their table's 298.9 G (one FLOP a MAC there)", () => {
    // Per position and step (network.test.ts has the shapes): the Conv3d taps of the five
    // window convolutions and conv_last on both slots, 50 950 144 MACs, + the head 2·128·16;
    // × 256 positions × 19 steps = 247.8 G. The recall at step t: 2·512·(t+1)·512·128 per
    // layer, Σ over 19 steps and 4 layers = 51.0 G. fvcore, which OpenSTL's table uses,
    // counts a multiply-add as one FLOP, and the layer norms and the rest besides: 298.8 G here.
    const model = ModelConfig.parse({ cell: 'e3d', hidden: [128, 128, 128, 128] })
    const macs = forwardConvFlops(model, 1, 19) / 2
    expect(macs).toBe(256 * 19 * (50_950_144 + 4_096) + 4 * 190 * 2 * 512 * 512 * 128)
    expect(Math.abs(macs / 1e9 - 298.9)).toBeLessThan(0.15)
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
