import {
  e3dOptionsOf,
  isRecurrentCell,
  mauOptionsOf,
  mauReductionSteps,
  SimVpOptions,
  type ModelConfig,
  type RecurrentCellKind,
} from '../domain/model'
import { simVpParameterShapes } from './simvp/simvp-shapes'

/**
 * Convolution FLOPs of one recurrent pass, counted from the cell equations (docs/method.md §2):
 * 2·k²·Cin·Cout per output position (a multiply and an add), biases and gate arithmetic
 * not counted, so GFLOP/s compares backends on the work that dominates.
 */
export function forwardConvFlops(model: ModelConfig, batch: number, steps: number): number {
  if (model.cell === 'mau') return 2 * mauMacsPerStep(model) * batch * steps
  if (model.cell === 'e3d') return 2 * e3dMacs(model, steps) * batch
  if (!isRecurrentCell(model.cell)) return simVpForwardConvFlops(model, batch, steps)
  const cell = model.cell
  const positions = (model.imageHeight / model.patchSize) * (model.imageWidth / model.patchSize)
  const frameChannels = model.patchSize * model.patchSize * model.channels
  const k2 = model.kernelSize * model.kernelSize
  // conv_x, conv_h, conv_m, conv_o (k×k), then the 1×1 conv_last on [C, M].
  const stLstm = (cin: number, h: number) =>
    k2 * (cin * 7 * h + h * 4 * h + h * 3 * h + 2 * h * h) + 2 * h * h
  const macsOfCell: Record<
    Exclude<RecurrentCellKind, 'mau' | 'e3d'>,
    (cin: number, h: number, layer: number) => number
  > = {
    convlstm: (cin, h) => k2 * (cin + h) * 4 * h,
    predrnn: stLstm,
    // The adapter runs only for the training loss (two 1×1 h → h per layer and step, under
    // 2 % of a 3×3 cell's work), so a rollout does not count it.
    predrnnv2: stLstm,
    // Layer 1 an ST-LSTM; above it, conv_x_cc, conv_t_cc, conv_s_cc, MIM-S's and MIM-N's two
    // 4·h convolutions each (k×k), the 1×1 conv_last (MIM-N's unused one not counted).
    mim: (cin, h, layer) =>
      layer === 0
        ? stLstm(cin, h)
        : k2 * (cin * 4 * h + h * 3 * h + h * 4 * h + 4 * (h * 4 * h)) + 2 * h * h,
    // conv_x, conv_h, conv_c, conv_m, conv_c2m, conv_om (k×k; the unused conv_o is not run),
    // then the 1×1 conv_last on [C, M].
    predrnnpp: (cin, h) =>
      k2 * (cin * 7 * h + 4 * h * h + 3 * h * h + 3 * h * h + 4 * h * h + h * h) + 2 * h * h,
  }
  const tmu = model.tmu
  let macsPerPosition = 0
  model.hidden.forEach((h, l) => {
    const cin = l === 0 ? frameChannels : (model.hidden[l - 1] ?? h)
    macsPerPosition += macsOfCell[cell](cin, h, l)
    if (tmu?.layers.includes(l + 1)) {
      // The M transfer gates over [X, H] (in ConvLSTM's gate convolution or beside another
      // backbone's cell, alike) and the M 1×1 distillers; as many again for M (transferM).
      const transfers = (tmu.transferM ? 2 : 1) * tmu.sources
      macsPerPosition += k2 * (cin + h) * transfers * h + transfers * h * h
    }
  })
  if (model.cell === 'predrnnpp') {
    // The GHU: x_concat and z_concat, each hidden_1 → 2·hidden_1.
    const h1 = model.hidden[0] ?? 0
    macsPerPosition += 2 * k2 * h1 * 2 * h1
  }
  macsPerPosition += (model.hidden[model.hidden.length - 1] ?? 0) * frameChannels
  return 2 * macsPerPosition * positions * batch * steps
}

/**
 * E3D-LSTM (cells/e3d-lstm.ts) over `steps` steps of one sample: per position and step, each
 * layer's conv_x, conv_h, conv_gm, conv_new_cell and conv_new_gm (7h + 4h + 4h + h + h outputs,
 * d·k² taps; one slot each, then repeated) and the 1×1×1 conv_last on each of the d slots, and
 * the head over the top window. The recall is not a convolution but is most of the work at
 * long histories, so it is counted: at step t the d·P query tokens (P positions) meet the
 * (t+1)·d·P remembered ones twice (scores, then the weighted sum), h channels each.
 */
function e3dMacs(model: ModelConfig, steps: number): number {
  const positions = (model.imageHeight / model.patchSize) * (model.imageWidth / model.patchSize)
  const frameChannels = model.patchSize * model.patchSize * model.channels
  const taps = e3dOptionsOf(model).window * model.kernelSize * model.kernelSize
  const d = e3dOptionsOf(model).window
  let perStep = 0
  let recallPerRememberedStep = 0
  model.hidden.forEach((h, l) => {
    const cin = l === 0 ? frameChannels : (model.hidden[l - 1] ?? h)
    perStep += positions * (taps * (cin * 7 * h + 2 * h * 4 * h + 2 * h * h) + d * 2 * h * h)
    recallPerRememberedStep += 2 * (d * positions) ** 2 * h
  })
  perStep += positions * d * (model.hidden[model.hidden.length - 1] ?? 0) * frameChannels
  return perStep * steps + (recallPerRememberedStep * steps * (steps + 1)) / 2
}

/**
 * MAU (cells/mau.ts, cells/mau-codec.ts) runs at several grids: the 1×1 encoder and the srcnn
 * head on the patched grid, each stride-2 3×3 encoder convolution at the grid it makes and
 * each transposed one at the grid it reads (9 products per input position), and the cells'
 * conv_t, conv_t_next, conv_s and conv_s_next (3h + h + 3h + h outputs, k×k) on the coarsest.
 */
function mauMacsPerStep(model: ModelConfig): number {
  const positions = (model.imageHeight / model.patchSize) * (model.imageWidth / model.patchSize)
  const frameChannels = model.patchSize * model.patchSize * model.channels
  const k2 = model.kernelSize * model.kernelSize
  const n = mauReductionSteps(mauOptionsOf(model).srSize)
  const bottom = model.hidden[0] ?? 0
  const top = model.hidden[model.hidden.length - 1] ?? 0
  let macs = positions * (frameChannels * bottom + top * frameChannels)
  for (let i = 1; i <= n; i++) {
    const coarser = positions / 4 ** i
    macs += coarser * 9 * (bottom * bottom + top * top)
  }
  const cellPositions = positions / 4 ** n
  for (const h of model.hidden) macs += cellPositions * k2 * 8 * h * h
  return macs
}

/**
 * SimVP or TAU over a clip of `steps` + 1 frames, Tin of them context: one pass per Tin future
 * frames, each kernel's k²·Cin·Cout at the positions it runs on (stride-2 blocks at their
 * output, the translator at the latent grid), the encoder and decoder once per frame, the
 * translator once per sample (it reads the Tin latents stacked along channels). TAU's SE
 * branch is two tiny Linear layers per block, not counted.
 */
function simVpForwardConvFlops(model: ModelConfig, batch: number, steps: number): number {
  const o = model.simvp ?? SimVpOptions.parse({})
  const passes = Math.ceil((steps + 1 - o.inputFrames) / o.inputFrames)
  const full = model.imageHeight * model.imageWidth
  const downsamplesAfter = (block: number) => Math.floor((block + 1) / 2)
  const positionsOf = (name: string): number => {
    const [scope, , index] = name.split('.')
    const i = Number(index)
    if (scope === 'hid') return full / 4 ** (o.spatialBlocks / 2)
    if (name.startsWith('dec.readout')) return full
    if (scope === 'enc') return full / 4 ** downsamplesAfter(i)
    // Decoder block i reads the grid left by the blocks before it (upsampling at 0, 2, …).
    return full / 4 ** (o.spatialBlocks / 2 - Math.ceil(i / 2))
  }
  let macs = 0
  for (const [name, shape] of Object.entries(simVpParameterShapes(model))) {
    if (shape.length !== 4) continue
    const runs = name.startsWith('hid.') ? 1 : o.inputFrames
    macs += shape.reduce((a, b) => a * b, 1) * positionsOf(name) * runs
  }
  return 2 * macs * batch * passes
}

/** A training iteration: forward, then the input and filter gradients (each as costly). */
export function trainingConvFlops(model: ModelConfig, batch: number, steps: number): number {
  return 3 * forwardConvFlops(model, batch, steps)
}
