import * as tf from '@tensorflow/tfjs'
import { hasFusedKernel, registerGradientOnce } from './fused-kernel'

/**
 * The pointwise parts of an ST-LSTM (PredRNN) step, docs/method.md §2.2, fused where the backend
 * has the kernels (onednn) and tensor ops elsewhere; see conv-lstm-gates.ts for why.
 *
 * `stLstmMemories`, from the outputs of conv_x [i, f, g, i', f', g', o], conv_h [i, f, g, o]
 * and conv_m [i', f', g'] (after layer norm when on):
 *   C = σ(f_x + f_h + b)⊙C_{t−1} + σ(i_x + i_h)⊙tanh(g_x + g_h)
 *   M = σ(f'_x + f'_m + b)⊙M^{l−1} + σ(i'_x + i'_m)⊙tanh(g'_x + g'_m)
 *   oPartial = o_x + o_h
 * `lstmOutput`: H = σ(oPartial + conv_o([C, M]))⊙tanh(conv_1×1([C, M])).
 */

export const ST_LSTM_MEMORIES = 'TmuStLstmMemories'
export const ST_LSTM_MEMORIES_GRAD = 'TmuStLstmMemoriesGrad'
export const LSTM_OUTPUT = 'TmuLstmOutput'
export const LSTM_OUTPUT_GRAD = 'TmuLstmOutputGrad'

export interface StLstmGateInputs {
  /** conv_x's output [B, h, w, 7C]: i, f, g, i', f', g', o. */
  readonly xGates: tf.Tensor4D
  /** conv_h's output [B, h, w, 4C]: i, f, g, o. */
  readonly hGates: tf.Tensor4D
  /** conv_m's output [B, h, w, 3C]: i', f', g'. */
  readonly mGates: tf.Tensor4D
  readonly cPrev: tf.Tensor4D
  /** M^{l−1}: the zig-zag memory from the layer below. */
  readonly mPrev: tf.Tensor4D
}

export interface StLstmMemories {
  readonly c: tf.Tensor4D
  readonly m: tf.Tensor4D
  readonly oPartial: tf.Tensor4D
}

type Parts<N extends number, A extends tf.Tensor4D[] = []> = A['length'] extends N
  ? A
  : Parts<N, [...A, tf.Tensor4D]>

function split<N extends number>(x: tf.Tensor4D, parts: N): Parts<N> {
  return tf.split(x, parts, -1) as unknown as Parts<N>
}

export function stLstmMemoriesComposite(
  inputs: StLstmGateInputs,
  forgetBias: number,
): StLstmMemories {
  return tf.tidy(() => {
    const [ix, fx, gx, ixP, fxP, gxP, ox] = split(inputs.xGates, 7)
    const [ih, fh, gh, oh] = split(inputs.hGates, 4)
    const [im, fm, gm] = split(inputs.mGates, 3)
    const c = tf.add(
      tf.mul(tf.sigmoid(tf.add(tf.add(fx, fh), forgetBias)), inputs.cPrev),
      tf.mul(tf.sigmoid(tf.add(ix, ih)), tf.tanh(tf.add(gx, gh))),
    ) as tf.Tensor4D
    const m = tf.add(
      tf.mul(tf.sigmoid(tf.add(tf.add(fxP, fm), forgetBias)), inputs.mPrev),
      tf.mul(tf.sigmoid(tf.add(ixP, im)), tf.tanh(tf.add(gxP, gm))),
    ) as tf.Tensor4D
    return { c, m, oPartial: tf.add(ox, oh) as tf.Tensor4D }
  })
}

export function lstmOutputComposite(
  oPartial: tf.Tensor4D,
  oConv: tf.Tensor4D,
  cellConv: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(
    () => tf.mul(tf.sigmoid(tf.add(oPartial, oConv)), tf.tanh(cellConv)) as tf.Tensor4D,
  )
}

const memoriesGradient: tf.GradConfig = {
  kernelName: ST_LSTM_MEMORIES,
  inputsToSave: ['xGates', 'hGates', 'mGates', 'cPrev', 'mPrev'],
  gradFunc: (dy, saved, attrs) => {
    const [dc, dm, dOPartial] = dy as tf.Tensor[]
    const [xGates, hGates, mGates, cPrev, mPrev] = saved as tf.Tensor[]
    const grads = tf.engine().runKernel(
      ST_LSTM_MEMORIES_GRAD,
      {
        xGates: xGates!,
        hGates: hGates!,
        mGates: mGates!,
        cPrev: cPrev!,
        mPrev: mPrev!,
        dc: dc!,
        dm: dm!,
        dOPartial: dOPartial!,
      },
      attrs,
    ) as tf.Tensor[]
    const [dx, dh, dmGates, dcPrev, dmPrev] = grads as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ]
    return {
      xGates: () => dx,
      hGates: () => dh,
      mGates: () => dmGates,
      cPrev: () => dcPrev,
      mPrev: () => dmPrev,
    }
  },
}

const outputGradient: tf.GradConfig = {
  kernelName: LSTM_OUTPUT,
  inputsToSave: ['oPartial', 'oConv', 'cellConv'],
  gradFunc: (dy, saved) => {
    const [oPartial, oConv, cellConv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor]
    const [dPre, dCell] = tf
      .engine()
      .runKernel(LSTM_OUTPUT_GRAD, { oPartial, oConv, cellConv, dh: dy as tf.Tensor }, {}) as [
      tf.Tensor,
      tf.Tensor,
    ]
    // Both terms of the sum inside σ get the same gradient.
    return { oPartial: () => dPre, oConv: () => dPre.clone(), cellConv: () => dCell }
  },
}

export function stLstmMemories(inputs: StLstmGateInputs, forgetBias: number): StLstmMemories {
  if (!hasFusedKernel(ST_LSTM_MEMORIES)) return stLstmMemoriesComposite(inputs, forgetBias)
  registerGradientOnce(memoriesGradient)
  const [c, m, oPartial] = tf
    .engine()
    .runKernel(ST_LSTM_MEMORIES, { ...inputs }, { forgetBias }) as tf.Tensor4D[]
  return { c: c!, m: m!, oPartial: oPartial! }
}

export function lstmOutput(
  oPartial: tf.Tensor4D,
  oConv: tf.Tensor4D,
  cellConv: tf.Tensor4D,
): tf.Tensor4D {
  if (!hasFusedKernel(LSTM_OUTPUT)) return lstmOutputComposite(oPartial, oConv, cellConv)
  registerGradientOnce(outputGradient)
  return tf.engine().runKernel(LSTM_OUTPUT, { oPartial, oConv, cellConv }, {}) as tf.Tensor4D
}
