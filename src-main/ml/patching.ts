import * as tf from '@tensorflow/tfjs'

/**
 * Patching (docs/method.md §1.2): `[B,T,H,W,C] → [B,T,H/p,W/p,p·p·C]` and back.
 *
 * Channel order inside a patch is PredRNN's numpy `reshape_patch`: the pixel at
 * (y, x, c) of the image lands in patch (y div p, x div p) at channel
 * (y mod p)·p·C + (x mod p)·C + c. Keeping that order is what lets the first layer's
 * weights and the head map one to one onto a PyTorch checkpoint.
 *
 * numpy does it with a rank-7 transpose; here B·T·(H/p) fold into one axis and (p, C) stay
 * adjacent, so a rank-4 transpose suffices (backends handle low ranks best).
 */

export function patchFrames(framesBTHWC: tf.Tensor5D, patchSize: number): tf.Tensor5D {
  const [B, T, H, W, C] = framesBTHWC.shape
  const p = patchSize
  if (H % p !== 0 || W % p !== 0) {
    throw new Error(`patchFrames: ${H}×${W} frames do not split into ${p}×${p} patches`)
  }
  return tf.tidy(() =>
    framesBTHWC
      .reshape([B * T * (H / p), p, W / p, p * C])
      .transpose([0, 2, 1, 3])
      .reshape([B, T, H / p, W / p, p * p * C]),
  )
}

export function unpatchFrames(patchesBTHWC: tf.Tensor5D, patchSize: number): tf.Tensor5D {
  const [B, T, h, w, pixels] = patchesBTHWC.shape
  const p = patchSize
  const C = pixels / (p * p)
  if (!Number.isInteger(C)) {
    throw new Error(`unpatchFrames: ${pixels} channels are not p·p·C for p = ${p}`)
  }
  return tf.tidy(() =>
    patchesBTHWC
      .reshape([B * T * h, w, p, p * C])
      .transpose([0, 2, 1, 3])
      .reshape([B, T, h * p, w * p, C]),
  )
}
