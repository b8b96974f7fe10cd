import * as tf from '@tensorflow/tfjs'
import { SimVpOptions, type ModelConfig } from '../../domain/model'
import { createParamStore, type ParamBuilder, type ParamStore } from '../params'
import { createRng } from '../random'
import { GROUP_NORM_EPSILON, groupNormSilu } from '../fused/group-norm-silu'
import { tauSqueezeWidth } from './simvp-shapes'
import {
  conv,
  depthwiseConv,
  gelu,
  normalize,
  pixelShuffle,
  type ConvWeights,
  type NormWeights,
} from './simvp-layers'

/**
 * SimVP with the gSTA translator (Tan et al., SimVP v2), docs/method.md §2.10, and TAU (Tan
 * et al., CVPR 2023, §2.11) on the same skeleton: per frame, an encoder of N_S ConvSC blocks
 * (conv → GroupNorm(2) → SiLU, every second block stride 2) maps [H, W, C] to [h, w, hid_S];
 * the translator stacks the Tin latents along channels ([h, w, Tin·hid_S]) and runs N_T
 * blocks, gated spatial attention (gSTA, cell 'simvp') or temporal attention (cell 'tau');
 * the decoder (ConvSC
 * blocks, every second one upsampling by PixelShuffle(2), the last one reading the sum with
 * the first encoder block's output) and a 1×1 readout give Tin frames back at once.
 *
 * Parameter names are OpenSTL's `SimVP_Model` state_dict (openstl/models/simvp_model.py,
 * openstl/modules/simvp_modules.py): `enc.enc.<i>.conv.…`, `dec.dec.<i>.conv.…`,
 * `dec.readout.…`, `hid.enc.<i>.block.…`, `hid.enc.<i>.reduction.…`, and BatchNorm's
 * `running_mean` / `running_var` as statistics (params.ts).
 */

interface ConvScBlock {
  readonly conv: ConvWeights
  readonly norm: NormWeights
  readonly kernelSize: number
  readonly resample: boolean
}

/** BatchNorm2d: the weights, the running estimates, and what updates them. */
export interface BatchNormLayer {
  readonly weights: NormWeights
  readonly runningMean: tf.Variable
  readonly runningVariance: tf.Variable
}

/**
 * TAU's dynamic (squeeze-and-excitation) attention over channels: [out, in] Linear weights
 * without bias, C → C // max(C // 16, 4) → C (OpenSTL's `fc.0`, `fc.2`).
 */
interface SqueezeExcitation {
  readonly reduce: tf.Tensor2D
  readonly expand: tf.Tensor2D
}

/**
 * One translator block, gSTA's or TAU's: they share all but the attention's gate. The large
 * kernel is 5×5 depthwise, 7×7 depthwise dilated by 3, then a 1×1: to [f, g] (2C) in gSTA,
 * to f (C) in TAU, which scales it by `squeeze` instead.
 */
interface TranslatorBlock {
  readonly norm1: BatchNormLayer
  readonly proj1: ConvWeights
  readonly conv0: ConvWeights
  readonly convSpatial: ConvWeights
  readonly conv1: ConvWeights
  /** TAU's dynamic attention; null in gSTA. */
  readonly squeeze: SqueezeExcitation | null
  readonly proj2: ConvWeights
  readonly norm2: BatchNormLayer
  readonly fc1: ConvWeights
  readonly dwconv: ConvWeights
  readonly fc2: ConvWeights
  readonly layerScale1: tf.Tensor1D
  readonly layerScale2: tf.Tensor1D
  /** 1×1 to the next block's width where it differs (first and last block). */
  readonly reduction: ConvWeights | null
}

export interface SimVpNetwork {
  /** SimVP's skeleton, with gSTA's or TAU's translator as `config.cell` says. */
  readonly kind: 'simvp'
  readonly config: ModelConfig
  readonly options: SimVpOptions
  readonly params: ParamStore
  readonly encoder: readonly ConvScBlock[]
  readonly decoder: readonly ConvScBlock[]
  readonly readout: ConvWeights
  readonly translator: readonly TranslatorBlock[]
  dispose(): void
}

/** gSTA's attention kernel (OpenSTL's kernel_size = 21) split as 5×5 + 7×7 dilated by 3. */
const ATTENTION_KERNEL = 21
const ATTENTION_DILATION = 3
/** OpenSTL's layer-scale init_value. */
const LAYER_SCALE_INIT = 1e-2
/** BatchNorm2d's default momentum: running ← (1 − m)·running + m·batch. */
const BATCH_NORM_MOMENTUM = 0.1

/** OpenSTL's sampling_generator: blocks 2, 4, … resample (reversed for the decoder). */
function resamples(blocks: number): boolean[] {
  return Array.from({ length: blocks }, (_, i) => i % 2 === 1)
}

/**
 * OpenSTL's init drawn uniform with the same variance (the stream has no normal draws):
 * std σ ↔ bound σ·√3. ConvSC kernels: trunc_normal(σ = 0.02); gSTA kernels: normal with
 * σ = √(2 / fan_out), fan_out = k²·out/groups; their biases 0. TAU's block re-creates its
 * attention after that init has run, so the attention keeps PyTorch's defaults.
 */
const uniformBound = (std: number) => std * Math.sqrt(3)

function convSc(
  b: ParamBuilder,
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  resample: 'none' | 'down' | 'up',
): ConvScBlock {
  // Upsampling convolves to 4× the channels and PixelShuffles them (`conv.conv.0`).
  const name = resample === 'up' ? 'conv.conv.0.' : 'conv.conv.'
  const out = resample === 'up' ? 4 * outChannels : outChannels
  return {
    conv: {
      kernel: b.convWeight(`${name}weight`, kernelSize, inChannels, out, uniformBound(0.02)),
      bias: b.vector(`${name}bias`, out, 0),
    },
    norm: {
      gamma: b.vector('conv.norm.weight', outChannels, 1),
      beta: b.vector('conv.norm.bias', outChannels, 0),
    },
    kernelSize,
    resample: resample !== 'none',
  }
}

function batchNorm(b: ParamBuilder, name: string, channels: number): BatchNormLayer {
  return {
    weights: {
      gamma: b.vector(`${name}.weight`, channels, 1),
      beta: b.vector(`${name}.bias`, channels, 0),
    },
    runningMean: b.statistic(`${name}.running_mean`, channels, 0),
    runningVariance: b.statistic(`${name}.running_var`, channels, 1),
  }
}

function gstaConv(
  b: ParamBuilder,
  name: string,
  k: number,
  inChannels: number,
  outChannels: number,
  depthwise = false,
): ConvWeights {
  const fanOut = (k * k * outChannels) / (depthwise ? outChannels : 1)
  const bound = uniformBound(Math.sqrt(2 / fanOut))
  return {
    kernel: b.convWeight(`${name}.weight`, k, depthwise ? 1 : inChannels, outChannels, bound),
    bias: b.vector(`${name}.bias`, outChannels, 0),
  }
}

/**
 * PyTorch's default Conv2d init (kaiming_uniform a = √5, bias U(±1/√fan_in)); a depthwise
 * kernel's fan_in is k².
 */
function defaultConv(
  b: ParamBuilder,
  name: string,
  k: number,
  inChannels: number,
  outChannels: number,
  depthwise = false,
): ConvWeights {
  const perOutput = depthwise ? 1 : inChannels
  return {
    kernel: b.convWeight(`${name}.weight`, k, perOutput, outChannels),
    bias: b.convBias(`${name}.bias`, k * k * perOutput, outChannels),
  }
}

type TranslatorKind = 'gsta' | 'tau'

/** The attention's convolutions and gate, by OpenSTL's names under `attn.`. */
function attention(b: ParamBuilder, kind: TranslatorKind, dim: number) {
  const dk = 2 * ATTENTION_DILATION - 1
  const ddk = largeKernelDilatedSize()
  const unit = 'attn.spatial_gating_unit.'
  if (kind === 'gsta') {
    return {
      proj1: gstaConv(b, 'attn.proj_1', 1, dim, dim),
      conv0: gstaConv(b, `${unit}conv0`, dk, dim, dim, true),
      convSpatial: gstaConv(b, `${unit}conv_spatial`, ddk, dim, dim, true),
      conv1: gstaConv(b, `${unit}conv1`, 1, dim, 2 * dim),
      squeeze: null,
      proj2: gstaConv(b, 'attn.proj_2', 1, dim, dim),
    }
  }
  const hidden = tauSqueezeWidth(dim)
  return {
    proj1: defaultConv(b, 'attn.proj_1', 1, dim, dim),
    conv0: defaultConv(b, `${unit}conv0`, dk, dim, dim, true),
    convSpatial: defaultConv(b, `${unit}conv_spatial`, ddk, dim, dim, true),
    conv1: defaultConv(b, `${unit}conv1`, 1, dim, dim),
    squeeze: {
      reduce: b.linearWeight(`${unit}fc.0.weight`, dim, hidden),
      expand: b.linearWeight(`${unit}fc.2.weight`, hidden, dim),
    },
    proj2: defaultConv(b, 'attn.proj_2', 1, dim, dim),
  }
}

function translatorBlock(
  b: ParamBuilder,
  kind: TranslatorKind,
  inChannels: number,
  outChannels: number,
  mlpRatio: number,
): TranslatorBlock {
  const dim = inChannels
  const hiddenDim = dim * mlpRatio
  const s = b.scoped('block.')
  return {
    norm1: batchNorm(s, 'norm1', dim),
    ...attention(s, kind, dim),
    norm2: batchNorm(s, 'norm2', dim),
    fc1: gstaConv(s, 'mlp.fc1', 1, dim, hiddenDim),
    dwconv: gstaConv(s, 'mlp.dwconv.dwconv', 3, hiddenDim, hiddenDim, true),
    fc2: gstaConv(s, 'mlp.fc2', 1, hiddenDim, dim),
    layerScale1: s.vector('layer_scale_1', dim, LAYER_SCALE_INIT),
    layerScale2: s.vector('layer_scale_2', dim, LAYER_SCALE_INIT),
    reduction:
      inChannels === outChannels ? null : defaultConv(b, 'reduction', 1, inChannels, outChannels),
  }
}

/** OpenSTL's dd_k: kernel // dilation, made odd (7 for 21 and 3). */
function largeKernelDilatedSize(): number {
  const q = Math.floor(ATTENTION_KERNEL / ATTENTION_DILATION)
  return q + ((q % 2) - 1)
}

export interface SimVpNetworkOptions {
  readonly seed: number
  readonly trainable?: boolean
}

export function createSimVpNetwork(
  config: ModelConfig,
  options: SimVpNetworkOptions,
): SimVpNetwork {
  const sizes = config.simvp ?? SimVpOptions.parse({})
  const { spatialChannels: hidS, translatorChannels: hidT, spatialBlocks, translatorBlocks } = sizes
  if (spatialBlocks % 2 !== 0) {
    throw new Error(`simvp: spatialBlocks (N_S) must be even, got ${spatialBlocks}`)
  }
  const scale = 2 ** (spatialBlocks / 2)
  if (config.imageHeight % scale !== 0 || config.imageWidth % scale !== 0) {
    throw new Error(
      `simvp: ${config.imageHeight}×${config.imageWidth} frames do not halve ${spatialBlocks / 2} times`,
    )
  }
  for (const k of [sizes.encoderKernel, sizes.decoderKernel]) {
    if (k % 2 !== 1) throw new Error(`simvp: ConvSC kernels must be odd, got ${k}`)
  }
  if (hidS % 2 !== 0) throw new Error(`simvp: GroupNorm(2) needs even spatialChannels, got ${hidS}`)
  const params = createParamStore(createRng(options.seed), options.trainable ?? true)
  try {
    const root = params.builder
    const down = resamples(spatialBlocks)
    const encoder = down.map((resample, i) =>
      convSc(
        root.scoped(`enc.enc.${i}.`),
        i === 0 ? config.channels : hidS,
        hidS,
        sizes.encoderKernel,
        resample ? 'down' : 'none',
      ),
    )
    const up = [...down].reverse()
    const decoder = up.map((resample, i) =>
      convSc(
        root.scoped(`dec.dec.${i}.`),
        hidS,
        hidS,
        sizes.decoderKernel,
        resample ? 'up' : 'none',
      ),
    )
    const readout = defaultConv(root, 'dec.readout', 1, hidS, config.channels)
    const latentChannels = sizes.inputFrames * hidS
    const kind = config.cell === 'tau' ? 'tau' : 'gsta'
    const translator = Array.from({ length: translatorBlocks }, (_, i) => {
      const inChannels = i === 0 ? latentChannels : hidT
      const outChannels = i === translatorBlocks - 1 ? latentChannels : hidT
      const scope = root.scoped(`hid.enc.${i}.`)
      return translatorBlock(scope, kind, inChannels, outChannels, sizes.mlpRatio)
    })
    return {
      kind: 'simvp',
      config,
      options: sizes,
      params,
      encoder,
      decoder,
      readout,
      translator,
      dispose: () => params.dispose(),
    }
  } catch (error) {
    params.dispose()
    throw error
  }
}

/**
 * Batch moments one training pass normalised with, kept until the optimizer step has run:
 * then `updateRunningStatistics` folds them into the running estimates.
 */
export interface BatchMoments {
  readonly layer: BatchNormLayer
  readonly mean: tf.Tensor1D
  readonly variance: tf.Tensor1D
  /** Values per channel (B·h·w), for the unbiased variance the running estimate takes. */
  readonly count: number
}

/**
 * How BatchNorm normalises (docs/method.md §2.10): with the batch's moments while training,
 * recording them in `moments`, and with the running estimates otherwise, as PyTorch's
 * train() and eval() modes do.
 */
export type NormMode =
  | { readonly training: true; readonly moments: BatchMoments[] }
  | {
      readonly training: false
    }

function applyBatchNorm(x: tf.Tensor4D, layer: BatchNormLayer, mode: NormMode): tf.Tensor4D {
  if (!mode.training) return normalize(x, layer.runningMean, layer.runningVariance, layer.weights)
  const { mean, variance } = tf.moments(x, [0, 1, 2])
  const [batch, height, width] = x.shape
  mode.moments.push({
    layer,
    mean: tf.keep(mean as tf.Tensor1D),
    variance: tf.keep(variance as tf.Tensor1D),
    count: batch * height * width,
  })
  return normalize(x, mean, variance, layer.weights)
}

/** running ← (1 − m)·running + m·batch, the variance unbiased (n/(n−1)); frees the moments. */
export function updateRunningStatistics(moments: readonly BatchMoments[]): void {
  tf.tidy(() => {
    for (const { layer, mean, variance, count } of moments) {
      const unbiased = tf.mul(variance, count / Math.max(1, count - 1))
      const m = BATCH_NORM_MOMENTUM
      layer.runningMean.assign(tf.add(tf.mul(layer.runningMean, 1 - m), tf.mul(mean, m)))
      layer.runningVariance.assign(
        tf.add(tf.mul(layer.runningVariance, 1 - m), tf.mul(unbiased, m)),
      )
    }
  })
  tf.dispose(moments.flatMap((m) => [m.mean, m.variance]))
}

/** ConvSC: conv (stride 2 when downsampling; to 4× and PixelShuffle when upsampling), GroupNorm(2), SiLU. */
function applyConvSc(x: tf.Tensor4D, block: ConvScBlock, upsampling: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const downsampling = block.resample && !upsampling
    const stride = downsampling ? 2 : 1
    // OpenSTL's padding (k − stride + 1) // 2.
    const pad = Math.floor((block.kernelSize - stride + 1) / 2)
    const convolved = conv(x, block.conv, pad, stride)
    const y = block.resample && upsampling ? pixelShuffle(convolved) : convolved
    const { gamma, beta } = block.norm
    return groupNormSilu(y, gamma, beta, { groups: 2, epsilon: GROUP_NORM_EPSILON })
  })
}

const pointwise = (v: tf.Tensor4D, w: ConvWeights) => conv(v, w, 0, 1)

/**
 * The attention's gate on a = GELU(proj₁ u), from the large kernel's output k(a) =
 * dilated7×7(dw5×5(a)). gSTA: σ(g) ⊙ f with [f, g] = conv1(k(a)). TAU: SE(a) ⊙ f ⊙ a with
 * f = conv1(k(a)) and SE(a) = σ(W₂ ReLU(W₁ mean_{h,w} a)) per sample and channel.
 */
function gate(a: tf.Tensor4D, block: TranslatorBlock): tf.Tensor4D {
  const d = ATTENTION_DILATION
  const spatial = depthwiseConv(
    depthwiseConv(a, block.conv0, d - 1, 1),
    block.convSpatial,
    (d * (largeKernelDilatedSize() - 1)) / 2,
    d,
  )
  const projected = pointwise(spatial, block.conv1)
  if (!block.squeeze) {
    const [f, g] = tf.split(projected, 2, -1) as [tf.Tensor4D, tf.Tensor4D]
    return tf.mul(tf.sigmoid(g), f)
  }
  const [batch, , , channels] = a.shape
  const pooled = tf.mean(a, [1, 2]) as tf.Tensor2D
  const hidden = tf.relu(tf.matMul(pooled, block.squeeze.reduce, false, true))
  const se = tf.sigmoid(tf.matMul(hidden, block.squeeze.expand, false, true))
  return tf.mul(tf.mul(tf.reshape(se, [batch, 1, 1, channels]), projected), a)
}

/**
 * One translator block: x ← x + s₁ ⊙ SA(BN₁(x)), x ← x + s₂ ⊙ MixMlp(BN₂(x)), then the
 * reduction where the width changes. SA(u) = proj₂(gate(GELU(proj₁ u))) + u;
 * MixMlp = fc₂(GELU(dw3×3(fc₁ ·))). OpenSTL's drop path is not modelled (§2.10).
 */
function applyTranslatorBlock(x: tf.Tensor4D, block: TranslatorBlock, mode: NormMode): tf.Tensor4D {
  const u = applyBatchNorm(x, block.norm1, mode)
  const a = gelu(pointwise(u, block.proj1))
  const attention = tf.add(pointwise(gate(a, block), block.proj2), u) as tf.Tensor4D
  const x1 = tf.add(x, tf.mul(block.layerScale1, attention)) as tf.Tensor4D
  const v = applyBatchNorm(x1, block.norm2, mode)
  const mlp = pointwise(gelu(depthwiseConv(pointwise(v, block.fc1), block.dwconv, 1, 1)), block.fc2)
  const x2 = tf.add(x1, tf.mul(block.layerScale2, mlp)) as tf.Tensor4D
  return block.reduction ? pointwise(x2, block.reduction) : x2
}

/**
 * SimVP's forward pass, frames [B, Tin, H, W, C] → [B, Tin, H, W, C] (the Tin frames after
 * the context). Unclipped; no memory between calls.
 */
export function forwardSimVp(
  net: SimVpNetwork,
  framesBTHWC: tf.Tensor5D,
  mode: NormMode,
): tf.Tensor5D {
  return tf.tidy(() => {
    const [batch, frames, height, width, channels] = framesBTHWC.shape
    let latent = tf.reshape(framesBTHWC, [batch * frames, height, width, channels]) as tf.Tensor4D
    let skip: tf.Tensor4D | null = null
    for (const block of net.encoder) {
      latent = applyConvSc(latent, block, false)
      skip ??= latent
    }
    const [, h, w, hidS] = latent.shape
    // OpenSTL's view(B, T·C, h, w): channel t·hid_S + c holds frame t's channel c.
    const stacked = tf
      .transpose(tf.reshape(latent, [batch, frames, h, w, hidS]), [0, 2, 3, 1, 4])
      .reshape([batch, h, w, frames * hidS]) as tf.Tensor4D
    const translated = net.translator.reduce(
      (z, block) => applyTranslatorBlock(z, block, mode),
      stacked,
    )
    let y = tf
      .transpose(tf.reshape(translated, [batch, h, w, frames, hidS]), [0, 3, 1, 2, 4])
      .reshape([batch * frames, h, w, hidS]) as tf.Tensor4D
    net.decoder.forEach((block, i) => {
      const input = i === net.decoder.length - 1 ? tf.add(y, skip as tf.Tensor4D) : y
      y = applyConvSc(input as tf.Tensor4D, block, true)
    })
    const out = conv(y, net.readout, 0, 1)
    return tf.reshape(out, [batch, frames, height, width, net.config.channels]) as tf.Tensor5D
  })
}
