import * as tf from '@tensorflow/tfjs'
import type { E3dOptions } from '../../domain/model'
import { layerNormalise } from '../fused/layer-norm'
import type { ParamBuilder, WindowNormWeights } from '../params'
import { LAYER_NORM_EPSILON } from './layer-norm'
import type { FrameCodec } from './mau-codec'
import type { LayerSpec, LayerState, RecurrentCell } from './recurrent-cell'
import { slideWindow } from './sliding-window'

/**
 * E3D-LSTM, the eidetic 3-D LSTM (Wang et al., ICLR 2019), docs/method.md §2.12. Every state
 * is a window of d time slots, folded into channels: [B, h, w, d·C], slot τ at channels
 * τ·C … τ·C + C − 1, oldest first. A 3-D convolution Conv3d over the window (kernel d×k×k,
 * no temporal padding, as OpenSTL's (2, 5, 5) on a window of 2) yields one slot; OpenSTL's
 * `tf_Conv3d` repeats it over the d slots (nearest interpolation), written rep(·) here:
 *   X = [x_{t−d+1} … x_t] at layer 1 (zeros before the clip), H^{k−1}_t above
 *   [i_x,g_x,r_x,o_x,i'_x,g'_x,f'_x] = split7(rep(Conv3d_x(X)))
 *   [i_h,g_h,r_h,o_h] = split4(rep(Conv3d_h(H_{t−1})))
 *   i = σ(i_x+i_h),  r = σ(r_x+r_h),  g = tanh(g_x+g_h)
 *   RECALL(r, C_{0:t−1}) = softmax(r·Cᵀ)·C    tokens: every (slot, position) of r and of each
 *                                             past C (C_0 = 0 included), features: channels
 *   C_t = LN(C_{t−1} + RECALL(r, C_{0:t−1})) + i⊙g
 *   [i_m,f_m,g_m,m_m] = split4(rep(Conv3d_m(M)))          M arriving from below (zig-zag)
 *   M_t = σ(f'_x+f_m+1)⊙tanh(m_m) + σ(i'_x+i_m)⊙tanh(g'_x+g_m)
 *   o = tanh(o_x + o_h + rep(Conv3d_co(C_t)) + rep(Conv3d_mo(M_t)))
 *   H_t = σ(o) ⊙ tanh(Conv_1×1×1([C_t, M_t]))
 * With layer norm on, each rep(Conv3d(·)) is followed by LayerNorm([n·C, d, h, w]) (`.1`).
 * The σ(tanh(·)) output gate and tanh(m_m) are both releases' (TensorFlow and OpenSTL).
 *
 * A 3-D convolution whose kernel spans the whole window is a 2-D convolution of the folded
 * window with the kernel [k, k, d, in, out] reshaped to [k, k, d·in, out]: every backend runs
 * it through its conv2d kernels and their gradients.
 *
 * PyTorch names as OpenSTL's E3DLSTM_Model under `cell_list.<l>.`: `_norm_c_t`, then `conv_x`,
 * `conv_h`, `conv_gm`, `conv_new_cell`, `conv_new_gm`, each `.0.conv3d.weight` (bias-free, in
 * their `tf_Conv3d` wrapper) and `.1` (its layer norm, when on), and `conv_last.conv3d.weight`.
 */

/** State keys beside h (H_t) and c (C_t, the memory a TMU target reads). */
const KEYS = {
  /** Every C this layer started a step from, [B, h, w, n·d·C], oldest (the zero C_0) first. */
  memoryHistory: 'cHistory',
  /** Layer 1 only: the last d patched frames, [B, h, w, d·p·p·C], oldest first. */
  inputWindow: 'xWindow',
} as const

interface WindowConv {
  /** [k, k, d, in, out] */
  readonly kernel: tf.Tensor5D
  readonly norm: WindowNormWeights | null
}

interface E3dWeights {
  readonly normC: WindowNormWeights
  readonly convX: WindowConv
  readonly convH: WindowConv
  readonly convGm: WindowConv
  readonly convNewCell: WindowConv
  readonly convNewGm: WindowConv
  /** [1, 1, 1, 2·hidden, hidden] */
  readonly convLast: tf.Tensor5D
}

/** The conv2d kernel of a 3-D one spanning the window: [k, k, d, in, out] → [k, k, d·in, out]. */
export function foldTemporalKernel(kernel: tf.Tensor5D): tf.Tensor4D {
  const [kh, kw, d, inChannels, outChannels] = kernel.shape
  return tf.reshape(kernel, [kh, kw, d * inChannels, outChannels])
}

/** A layer norm over a folded window [B, h, w, d·C] with gains [h, w, d, C]. */
export function windowNorm(x: tf.Tensor4D, w: WindowNormWeights): tf.Tensor4D {
  const [h, wd, d, c] = w.gammaHWDC.shape
  const shape: [number, number, number] = [h, wd, d * c]
  const gamma = tf.reshape(w.gammaHWDC, shape) as tf.Tensor3D
  const beta = tf.reshape(w.betaHWDC, shape) as tf.Tensor3D
  return layerNormalise(x, gamma, beta, LAYER_NORM_EPSILON)
}

/**
 * rep(Conv3d(x)) split into `gates`. Without a norm the d repeats are equal, so each gate is
 * kept as its one slot [B, h, w, C] and widened only where it meets a window (`overWindow`):
 * the gate arithmetic, the recall's queries and M then cost one slot, not d. With a norm
 * (gains per slot) each gate is the normed window [B, h, w, d·C].
 */
function convGates(conv: WindowConv, x: tf.Tensor4D, gates: number, window: number): tf.Tensor4D[] {
  const y = tf.conv2d(x, foldTemporalKernel(conv.kernel), 1, 'same')
  // tfjs's split gradient breaks on a single piece (its one dy is not handed as a list).
  if (!conv.norm) return gates === 1 ? [y] : tf.split(y, gates, -1)
  const normed = windowNorm(tf.tile(y, [1, 1, 1, window]), conv.norm)
  const width = y.shape[3] / gates
  return Array.from({ length: gates }, (_, j) =>
    tf.concat(
      Array.from({ length: window }, (_, slot) =>
        tf.slice(normed, [0, 0, 0, slot * gates * width + j * width], [-1, -1, -1, width]),
      ),
      -1,
    ),
  )
}

/** A one-slot tensor [B, h, w, C] repeated over the window; a window stays as it is. */
function overWindow(t: tf.Tensor4D, hid: number, window: number): tf.Tensor4D {
  return t.shape[3] === hid && window > 1 ? tf.tile(t, [1, 1, 1, window]) : t
}

/**
 * softmax(r·Cᵀ)·C over the tokens of the folded windows: each (position, slot) of `query`
 * [B, h, w, d·C] attends over each (position, past memory, slot) of `history`
 * [B, h, w, n·d·C]; features are the C channels. No scaling, as both releases.
 *
 * Both products run as 1×1 convolutions, sample by sample, with the sample's memory tokens
 * as the kernel: [1, 1, N_q, C] ⊛ [1, 1, C, N_k] is r·Cᵀ. The convolution kernels and their
 * gradients are what every backend (oneDNN's above all) makes fast, where a batched matMul
 * falls to wasm's: measured 20× slower on the e3d-quick preset (docs/method.md §2.12).
 */
function recall(query: tf.Tensor4D, history: tf.Tensor4D, channels: number): tf.Tensor4D {
  const [batch, h, w, width] = query.shape
  const queries = (h * w * width) / channels
  const tokens = (h * w * history.shape[3]) / channels
  const perSample = Array.from({ length: batch }, (_, b) => {
    const q = tf.reshape(tf.slice(query, [b, 0, 0, 0], [1, -1, -1, -1]), [1, 1, queries, channels])
    const memory = tf.reshape(tf.slice(history, [b, 0, 0, 0], [1, -1, -1, -1]), [tokens, channels])
    const scores = tf.conv2d(
      q as tf.Tensor4D,
      tf.reshape(tf.transpose(memory), [1, 1, channels, tokens]),
      1,
      'valid',
    )
    const weights = tf.softmax(scores)
    return tf.conv2d(weights, tf.reshape(memory, [1, 1, tokens, channels]), 1, 'valid')
  })
  return tf.reshape(tf.concat(perSample, 0), query.shape)
}

/** Conv_1×1×1([C, M]) slot by slot: [B, h, w, d·C] twice → [B, h, w, d·C]. */
function mixMemories(kernel: tf.Tensor5D, c: tf.Tensor4D, m: tf.Tensor4D, hid: number) {
  const [batch, h, w] = c.shape
  const perSlot = (t: tf.Tensor4D) => tf.reshape(t, [batch, h, (w * t.shape[3]) / hid, hid])
  const joined = tf.concat([perSlot(c), perSlot(m)], -1) as tf.Tensor4D
  return tf.reshape(
    tf.conv2d(joined, foldTemporalKernel(kernel), 1, 'valid'),
    c.shape,
  ) as tf.Tensor4D
}

function createConv(
  spec: LayerSpec,
  params: ParamBuilder,
  name: string,
  window: number,
  inChannels: number,
  outChannels: number,
): WindowConv {
  const kernel = params.conv3dWeight(
    `${name}.0.conv3d.weight`,
    window,
    spec.kernelSize,
    inChannels,
    outChannels,
  )
  const grid = [spec.heightPatches, spec.widthPatches] as const
  const norm = spec.layerNorm
    ? params.windowNorm(`${name}.1`, [...grid, window, outChannels])
    : null
  return { kernel, norm }
}

export function createE3dCell(
  spec: LayerSpec,
  params: ParamBuilder,
  options: E3dOptions,
): RecurrentCell {
  const { hiddenChannels: hid, inChannels } = spec
  const d = options.window
  const grid = [spec.heightPatches, spec.widthPatches] as const
  const w: E3dWeights = {
    normC: params.windowNorm('_norm_c_t', [...grid, d, hid]),
    convX: createConv(spec, params, 'conv_x', d, inChannels, 7 * hid),
    convH: createConv(spec, params, 'conv_h', d, hid, 4 * hid),
    convGm: createConv(spec, params, 'conv_gm', d, hid, 4 * hid),
    convNewCell: createConv(spec, params, 'conv_new_cell', d, hid, hid),
    convNewGm: createConv(spec, params, 'conv_new_gm', d, hid, hid),
    convLast: params.conv3dWeight('conv_last.conv3d.weight', 1, 1, 2 * hid, hid),
  }
  const readsFrames = spec.index === 0
  return {
    hiddenChannels: hid,
    zigzagChannels: d * hid,
    zeroState(batch) {
      const zeros = () => tf.zeros([batch, ...grid, d * hid]) as tf.Tensor4D
      return {
        h: zeros(),
        c: zeros(),
        [KEYS.memoryHistory]: zeros(),
        ...(readsFrames ? { [KEYS.inputWindow]: tf.zeros([batch, ...grid, d * inChannels]) } : {}),
      }
    },
    step(x, prev, zigzag) {
      if (!zigzag) throw new Error(`e3d layer ${spec.index + 1}: needs the global memory M`)
      return tf.tidy(() => {
        const frames = readsFrames ? slideWindow(prev[KEYS.inputWindow]!, x, d) : null
        const [ix, gx, rx, ox, ixM, gxM, fxM] = convGates(w.convX, frames ?? x, 7, d)
        const [ih, gh, rh, oh] = convGates(w.convH, prev.h, 4, d)
        const wide = (t: tf.Tensor4D) => overWindow(t, hid, d)
        const history = prev[KEYS.memoryHistory]!
        // With equal slots, so are their recalls: one slot of queries stands for all d.
        const r = tf.sigmoid(tf.add<tf.Tensor4D>(rx!, rh!))
        const recalled = wide(recall(r, history, hid))
        const inflow = wide(tf.mul(tf.sigmoid(tf.add(ix!, ih!)), tf.tanh(tf.add(gx!, gh!))))
        const c = tf.add<tf.Tensor4D>(windowNorm(tf.add(prev.c, recalled), w.normC), inflow)
        const [im, fm, gm, mm] = convGates(w.convGm, zigzag, 4, d)
        const forget = tf.sigmoid(tf.add(tf.add(fxM!, fm!), 1))
        const input = tf.mul(tf.sigmoid(tf.add(ixM!, im!)), tf.tanh(tf.add(gxM!, gm!)))
        const m = wide(tf.add(tf.mul(forget, tf.tanh(mm!)), input))
        const [oc] = convGates(w.convNewCell, c, 1, d)
        const [om] = convGates(w.convNewGm, m, 1, d)
        const o = wide(tf.tanh(tf.addN([ox!, oh!, oc!, om!])))
        const h = tf.mul<tf.Tensor4D>(tf.sigmoid(o), tf.tanh(mixMemories(w.convLast, c, m, hid)))
        const state: LayerState = {
          h,
          c,
          [KEYS.memoryHistory]: tf.concat([history, c], -1),
          ...(frames ? { [KEYS.inputWindow]: frames } : {}),
        }
        // OpenSTL's port hands back the M it was given (`zero`): M never leaves its zeros.
        return options.globalMemory === 'carried' ? { state, zigzag: m } : { state }
      })
    },
  }
}

/**
 * E3D-LSTM's head (OpenSTL's model-level `conv_last`, a bias-free Conv3d with kernel and
 * stride (d, 1, 1)): the top layer's window of H [B, h, w, d·C] → the next patched frame.
 * Layer 1 reads the patched frame itself and keeps its own window of them.
 */
export function createE3dHead(
  params: ParamBuilder,
  topChannels: number,
  frameChannels: number,
  window: number,
): FrameCodec {
  const kernel = params.conv3dWeight('conv_last.weight', window, 1, topChannels, frameChannels)
  return {
    encode: (x) => x,
    decode: (top) => tf.tidy(() => tf.conv2d(top, foldTemporalKernel(kernel), 1, 'valid')),
  }
}
