import { totalmem } from 'node:os'
import {
  e3dOptionsOf,
  isRecurrentCell,
  mauOptionsOf,
  mauReductionSteps,
  SimVpOptions,
  type ModelConfig,
  type TrainConfig,
} from '../../domain/model'
import { parameterCount } from '../parameter-shapes'
import type { BackendReport } from '../../domain/backends'

/**
 * Memory a training iteration needs, estimated before starting: the wasm heap tops out near
 * 3.84 GB and going over does not throw, the run hangs (compute-notes.md). So we refuse
 * up front with a message that says what to lower.
 *
 * Backpropagation through time keeps every tensor a step creates until the backward pass,
 * so activations dominate: (T−1) steps × layers × the cell's intermediate channels × h×w ×
 * batch. The counts below follow the cells' equations (docs/method.md §2), one tensor per op.
 * On top of that the backward pass allocates gradients while the tape is alive and the
 * wasm heap grows in steps; ACTIVATION_OVERHEAD covers both, calibrated on the one
 * measurement we have: PredRNN 4×64, 5×5, 64×64 patch 4, batch 4 peaked at 3.42 GB.
 */

const BYTES_PER_FLOAT = 4
/** Peak / counted activations, from the PredRNN 4×64 batch 4 measurement (3.42 GB). */
const ACTIVATION_OVERHEAD = 2.93
/** Weights, their gradients and Adam's two moments. */
const COPIES_PER_PARAMETER = 4
/** The wasm32 heap limit measured in compute-notes.md. */
export const WASM_HEAP_LIMIT_BYTES = 3.84e9
/** Refuse above limit / margin: an estimate is not a measurement, and overflow hangs. */
const SAFETY_MARGIN = 1.05
/** The native and pure-JS backends share the machine with the OS and the app. */
const SYSTEM_MEMORY_SHARE = 0.8

export interface TrainingMemoryEstimate {
  readonly totalBytes: number
  readonly activationBytes: number
  /** Weights + gradients + Adam moments of every parameter (norms and TMU layers included). */
  readonly parameterBytes: number
  /** Transposed copies and XNNPACK buffers of the largest convolution gradient. */
  readonly workspaceBytes: number
  /** What one more sample of batch adds. */
  readonly bytesPerSample: number
  readonly batchSize: number
}

interface LayerShape {
  readonly inChannels: number
  readonly hidden: number
}

/** What the backbone cell of a step keeps, in channels (docs/method.md §2 op by op). */
function backboneChannelsPerStep(model: ModelConfig, layer: LayerShape, index: number): number {
  const { inChannels: cin, hidden: h } = layer
  if (model.cell === 'predrnn' || model.cell === 'predrnnv2') {
    // 14h conv outputs + 14h split copies, 2 × 10h for the C and M updates, 6h for o
    // (concat, conv, two adds, σ), 3h for H; layer norm adds ~4 tensors per gate channel.
    // PredRNN-V2 recomputes ΔC and ΔM (split copies, two sums, σ, tanh, product: ~14h) and
    // maps, transposes and normalises both for its loss (~10h).
    const gateChannels = 15 * h
    const decoupling = model.cell === 'predrnnv2' ? 24 * h : 0
    return 57 * h + decoupling + (model.layerNorm ? 4 * gateChannels : 0)
  }
  if (model.cell === 'mim') {
    // Layer 1 as ST-LSTM (57h). A block: 11h conv outputs + 11h split copies, two memory
    // modules at ~8h conv outputs, 8h splits, 2h peepholes, ~12h gate arithmetic each, then
    // ~20h for the C, M and H updates; layer norm adds ~4 tensors per gate channel.
    const gateChannels = index === 0 ? 15 * h : 19 * h
    return (index === 0 ? 57 * h : 82 * h) + (model.layerNorm ? 4 * gateChannels : 0)
  }
  if (model.cell === 'predrnnpp') {
    // Causal LSTM: 17h conv outputs + 17h split copies, 10h for the C update, 8h for conv_c2m
    // and its split, 11h for the M update, 3h for o, 5h for H (concat, conv, tanh, product).
    // Layer 1 adds the GHU: 4h conv outputs, 2h sum and split, 6h for Z (σ, tanh, mix).
    const highway = index === 0 ? 12 * h : 0
    const gateChannels = 22 * h + (index === 0 ? 4 * h : 0)
    return 71 * h + highway + (model.layerNorm ? 4 * gateChannels : 0)
  }
  // ConvLSTM: concat [X,H], 4h conv + 4h bias add + 4h split, 9h for the C and H updates.
  const channels = cin + h + 12 * h + 9 * h
  return model.layerNorm ? channels + 4 * 4 * h : channels
}

/** Tensors one cell step keeps for the backward pass, in channels: its backbone's, and a TMU's. */
function keptChannelsPerStep(model: ModelConfig, layer: LayerShape, index: number): number {
  const own = backboneChannelsPerStep(model, layer, index)
  const tmu = model.tmu
  if (!tmu || !tmu.layers.includes(index + 1)) return own
  // M more gates (conv, norm, split, σ), then per source a distiller (1×1 conv + norm)
  // and the gated mix: about 10 tensors of h channels per source. Beside another backbone's
  // cell the gates have a convolution of their own over [X, H] (tmu-backbone-cell.ts).
  // `transferM` repeats all of it on the spatiotemporal memory M: gates, distillers, mix.
  const ownGateInput = model.cell === 'convlstm' ? 0 : layer.inChannels + layer.hidden
  const transfers = tmu.transferM ? 2 : 1
  return own + ownGateInput + transfers * tmu.sources * (4 + 10) * layer.hidden
}

/**
 * MAU's tensors per step, in channels at the patched grid's positions (docs/method.md §2.9).
 * A layer on the cells' grid, srSize² times coarser: 8h conv outputs, their bias adds, ~4
 * tensors per channel of layer norm, 6h split copies, the attention's products with both
 * τ-slot windows and their two slides (~4τh), ~12h for the three gated mixes. The codec: the
 * 1×1 encoder's conv, bias add and leaky ReLU (3h) on the patched grid, as many at each
 * halving for the encoder and the decoder, and the head.
 */
function mauKeptChannelsPerStep(model: ModelConfig, patchChannels: number): number {
  const { srSize, tau } = mauOptionsOf(model)
  const h = model.hidden[0] ?? 0
  const cells = model.hidden.reduce((sum, hid) => sum + (66 + 4 * tau) * hid, 0)
  let codec = 3 * h + 2 * patchChannels
  for (let i = 1; i <= mauReductionSteps(srSize); i++) codec += (2 * 3 * h) / 4 ** i
  return cells / (srSize * srSize) + codec
}

/**
 * E3D-LSTM's tensors per step and layer, averaged over the rollout's `steps`, in channels at
 * the patched grid's positions (docs/method.md §2.12). Each convolution's one slot and its d
 * repeats (17h·(1 + d)), ~20dh of gate arithmetic, the input window (d·cin), ~4 tensors per
 * channel of window norm. The recall keeps its scores and softmax, d·P × (t+1)·d·P per sample
 * at step t (P positions): 2d²P(t+1) channels, (t+1)·dh for the history it read; on average
 * over t = 0 … steps−1, (steps+1)/2 of each. At 16×16 positions the recall is most of it.
 */
function e3dKeptChannelsPerStep(model: ModelConfig, steps: number): number {
  const d = e3dOptionsOf(model).window
  const positions = (model.imageHeight / model.patchSize) * (model.imageWidth / model.patchSize)
  const meanRemembered = (steps + 1) / 2
  return layerShapes(model).reduce((sum, { inChannels: cin, hidden: h }) => {
    const gates = 17 * h * (1 + d) + 20 * d * h + d * cin
    const norms = 4 * d * h * (model.layerNorm ? 18 : 1)
    const recall = meanRemembered * (2 * d * d * positions + d * h)
    return sum + gates + norms + recall
  }, 0)
}

function layerShapes(model: ModelConfig): LayerShape[] {
  const patchChannels = model.patchSize * model.patchSize * model.channels
  return model.hidden.map((hidden, l) => ({
    inChannels: l === 0 ? patchChannels : (model.hidden[l - 1] ?? hidden),
    hidden,
  }))
}

/**
 * `backend` is the one that will train; SimVP's and TAU's estimate depends on whether it has
 * their fused kernels (onednn does). Without it, the estimate assumes it has not.
 */
export function estimateTrainingMemoryBytes(
  model: ModelConfig,
  train: TrainConfig,
  backend?: Pick<BackendReport, 'name'>,
): TrainingMemoryEstimate {
  if (!isRecurrentCell(model.cell)) {
    return estimateSimVpMemoryBytes(model, train, backend?.name === 'onednn')
  }
  const steps = train.inputFrames + train.outputFrames - 1
  const positions = (model.imageHeight / model.patchSize) * (model.imageWidth / model.patchSize)
  const patchChannels = model.patchSize * model.patchSize * model.channels
  const layers = layerShapes(model)
  // Per step besides the cells: input frame, sampled mix, guess and its loss terms.
  let channelsPerStep = 4 * patchChannels
  if (model.cell === 'mau') channelsPerStep += mauKeptChannelsPerStep(model, patchChannels)
  else if (model.cell === 'e3d') channelsPerStep += e3dKeptChannelsPerStep(model, steps)
  else {
    layers.forEach((layer, l) => {
      channelsPerStep += keptChannelsPerStep(model, layer, l)
    })
  }
  const countedPerSample = steps * channelsPerStep * positions * BYTES_PER_FLOAT
  // E3D-LSTM's widest convolution reads its folded window of d slots.
  const window = model.cell === 'e3d' ? e3dOptionsOf(model).window : 1
  const widest = Math.max(...layers.map((l) => window * l.inChannels + 7 * l.hidden))
  return estimateOf(model, train, countedPerSample, widest * positions)
}

/**
 * The estimate from a sample's counted activation bytes and the values of its widest
 * convolution's input (whose gradient needs two transposed copies).
 */
function estimateOf(
  model: ModelConfig,
  train: TrainConfig,
  countedPerSample: number,
  widestValuesPerSample: number,
  overhead = ACTIVATION_OVERHEAD,
): TrainingMemoryEstimate {
  const bytesPerSample = countedPerSample * overhead
  const activationBytes = bytesPerSample * train.batchSize
  const parameterBytes = parameterCount(model) * COPIES_PER_PARAMETER * BYTES_PER_FLOAT
  const workspaceBytes = 2 * widestValuesPerSample * train.batchSize * BYTES_PER_FLOAT
  return {
    totalBytes: activationBytes + parameterBytes + workspaceBytes,
    activationBytes,
    parameterBytes,
    workspaceBytes,
    bytesPerSample,
    batchSize: train.batchSize,
  }
}

/**
 * SimVP and TAU (docs/method.md §2.10, §2.11), one tensor per op like the cells. Where the
 * backend runs depthwise convolutions and GroupNorm + SiLU as kernels (onednn,
 * ml/fused/depthwise-conv.ts and group-norm-silu.ts), a ConvSC block keeps ~3 tensors of its
 * width per position (conv, its bias, the fused norm; a stride-1 block's input is the previous
 * one's output) and a gSTA block of width d at the latent grid ~2 d for its two depthwise
 * convolutions, ~7 r·d for the MixMlp (r·d wide) and ~20 d for the norms, attention and
 * residuals. As tensor ops (every other backend) a ConvSC block keeps ~8 (GroupNorm's and
 * SiLU's steps) and a gSTA block its depthwise windows, 25 + 49 of d and 9 of r·d, besides.
 * One pass per Tin future frames. TAU's block (§2.11) keeps about as many (its conv1 map is
 * half as wide, its SE products add two), so it shares the count.
 *
 * The overheads are measured peaks over these counts (one training step under tf.profile,
 * peakBytes). With the kernels: fitted to SimVP at OpenSTL's size, batch 1, on onednn (3.37 GB,
 * where the heap limit bites); it gives TAU there 3.35 GB against a measured 3.22, and SimVP
 * quick at batch 4 0.54 GB against 0.30: pessimistic, the safe side. As tensor ops: fitted to
 * SimVP quick at batch 4 on wasm (1.31 GB).
 */
const SIMVP_OVERHEAD = { kernels: 5.3, composite: 4.67 }

function estimateSimVpMemoryBytes(
  model: ModelConfig,
  train: TrainConfig,
  kernels: boolean,
): TrainingMemoryEstimate {
  const o = model.simvp ?? SimVpOptions.parse({})
  const full = model.imageHeight * model.imageWidth
  const latent = full / 4 ** (o.spatialBlocks / 2)
  const passes = Math.ceil(train.outputFrames / o.inputFrames)
  // Encoder and decoder blocks run at the full grid or a quarter of it, about half each.
  const convScKept = kernels ? 3 : 8
  const spatialValues =
    2 * o.spatialBlocks * convScKept * o.spatialChannels * ((full + full / 4) / 2)
  const frameValues = o.inputFrames * spatialValues
  const widths = Array.from({ length: o.translatorBlocks }, (_, i) =>
    i === 0 ? o.inputFrames * o.spatialChannels : o.translatorChannels,
  )
  const [windows, mlpKept] = kernels ? [2, 7] : [74, 15]
  const translatorValues = widths.reduce(
    (sum, d) => sum + (windows * d + mlpKept * o.mlpRatio * d + 20 * d) * latent,
    0,
  )
  const countedPerSample = passes * (frameValues + translatorValues) * BYTES_PER_FLOAT
  return estimateOf(
    model,
    train,
    countedPerSample,
    Math.max(...widths) * o.mlpRatio * latent,
    SIMVP_OVERHEAD[kernels ? 'kernels' : 'composite'],
  )
}

/** The memory a backend can give tensors, or null when it cannot be known (GPU memory). */
export function backendMemoryLimitBytes(report: Pick<BackendReport, 'name'>): number | null {
  switch (report.name) {
    case 'onednn': // tensors live on the wasm heap; oneDNN only computes on them
    case 'wasm':
      return WASM_HEAP_LIMIT_BYTES
    case 'tensorflow-gpu':
    case 'webgpu': // WebGPU tells buffer limits, not how much memory the device has free
      return null
    case 'tensorflow':
    case 'cpu':
      return totalmem() * SYSTEM_MEMORY_SHARE
  }
}

/** A training configuration would not fit the backend's memory. */
export class MemoryBudgetError extends Error {
  override readonly name = 'MemoryBudgetError'
  readonly code = 'invalid_input'
  constructor(
    message: string,
    readonly neededBytes: number,
    readonly limitBytes: number,
    readonly maxBatchSize: number,
  ) {
    super(message)
  }
}

const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`

function memoryHolder(name: BackendReport['name']): string {
  return backendMemoryLimitBytes({ name }) === WASM_HEAP_LIMIT_BYTES
    ? "the wasm backend's heap holds"
    : 'this machine can give training'
}

/** The backend's memory when the estimate exceeds it; null when it fits or cannot be known. */
function exceededLimit(
  report: Pick<BackendReport, 'name'>,
  estimate: TrainingMemoryEstimate,
): number | null {
  const limit = backendMemoryLimitBytes(report)
  return limit !== null && estimate.totalBytes * SAFETY_MARGIN > limit ? limit : null
}

/** The largest batch whose estimate fits under `limit` (0 when not even one clip does). */
function largestFittingBatch(limit: number, estimate: TrainingMemoryEstimate): number {
  const fixed = estimate.totalBytes - estimate.bytesPerSample * estimate.batchSize
  return Math.max(0, Math.floor((limit / SAFETY_MARGIN - fixed) / estimate.bytesPerSample))
}

/** Throws MemoryBudgetError, naming what to lower, when the estimate exceeds the backend's memory. */
export function assertFitsBackend(
  report: Pick<BackendReport, 'name'>,
  estimate: TrainingMemoryEstimate,
): void {
  const limit = exceededLimit(report, estimate)
  if (limit === null) return
  const maxBatchSize = largestFittingBatch(limit, estimate)
  const advice =
    maxBatchSize >= 1
      ? `lower batch size to ${maxBatchSize} or hidden channels`
      : 'lower hidden channels or layers'
  throw new MemoryBudgetError(
    `needs ~${gigabytes(estimate.totalBytes)}, ${memoryHolder(report.name)} ${gigabytes(limit)}: ${advice}`,
    estimate.totalBytes,
    limit,
    maxBatchSize,
  )
}

/** How a batch runs: whole, or in micro-batches whose gradients are summed (training.ts). */
export interface BatchPlan {
  readonly microBatchSize: number
  /** For people, when the batch is split; null when it runs whole. */
  readonly note: string | null
}

/**
 * Splits a batch that does not fit the backend's memory into micro-batches that do; throws
 * MemoryBudgetError only when not even one clip fits.
 */
export function planBatch(
  report: Pick<BackendReport, 'name'>,
  estimate: TrainingMemoryEstimate,
): BatchPlan {
  const limit = exceededLimit(report, estimate)
  if (limit === null) return { microBatchSize: estimate.batchSize, note: null }
  const size = largestFittingBatch(limit, estimate)
  if (size < 1) assertFitsBackend(report, estimate)
  const parts = Math.ceil(estimate.batchSize / size)
  // As even as the count allows: 9 clips that allow 4 run as 3 + 3 + 3, not 4 + 4 + 1.
  const microBatchSize = Math.ceil(estimate.batchSize / parts)
  return {
    microBatchSize,
    note: `batch ${estimate.batchSize} runs as ${parts} micro-batches of up to ${microBatchSize} (needs ~${gigabytes(estimate.totalBytes)}, ${memoryHolder(report.name)} ${gigabytes(limit)}); their gradients are summed, so each update is the same`,
  }
}
