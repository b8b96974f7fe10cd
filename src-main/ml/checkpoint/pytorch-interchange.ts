import { writeFileAtomic } from '../../util/atomic-write'
import { encodeSafetensors } from './safetensors-encode'
import { readSafetensors } from './safetensors-file'
import type { SafetensorsContents } from './safetensors-decode'
import { transposeTensor } from './transpose'
import type { Tensor, TensorMap } from './tensors'

/**
 * How a named tensor's layout differs between tfjs and PyTorch (the same words as
 * `ParamLayout` in ml/params.ts, so a parameter list maps straight in):
 * - `conv2d`: tfjs [kh, kw, in, out] ↔ PyTorch [out, in, kh, kw]; both frameworks
 *   cross-correlate, so kernels are not flipped. The same permutation takes a tfjs
 *   conv2dTranspose filter [kh, kw, out, in] to a PyTorch ConvTranspose2d weight
 *   [in, out, kh, kw] (MAU's decoder), both the adjoint of one cross-correlation.
 * - `layerNorm`: tfjs [h, w, C] (NHWC broadcast) ↔ PyTorch `LayerNorm([C, h, w])` [C, h, w].
 * - `bias`: the same in both (biases, and anything else left as is).
 * - `conv3d`: tfjs [kh, kw, d, in, out] ↔ PyTorch Conv3d [out, in, d, kh, kw] (E3D-LSTM).
 * - `windowNorm`: tfjs [h, w, d, C] ↔ PyTorch `LayerNorm([C, d, h, w])` [C, d, h, w] (E3D-LSTM).
 */
export type InterchangeLayout = 'conv2d' | 'layerNorm' | 'bias' | 'conv3d' | 'windowNorm'

export interface InterchangeOptions {
  /** Per-name layouts; names not listed follow `guessLayout`. */
  layouts?: Record<string, InterchangeLayout>
}

const TO_PYTORCH: Record<InterchangeLayout, readonly number[] | null> = {
  conv2d: [3, 2, 0, 1],
  layerNorm: [2, 0, 1],
  bias: null,
  conv3d: [4, 3, 2, 0, 1],
  windowNorm: [3, 2, 0, 1],
}
const FROM_PYTORCH: Record<InterchangeLayout, readonly number[] | null> = {
  conv2d: [2, 3, 1, 0],
  layerNorm: [1, 2, 0],
  bias: null,
  conv3d: [3, 4, 2, 1, 0],
  windowNorm: [2, 3, 1, 0],
}

/**
 * The default when no layout is listed: a rank-4 `*.weight` is a convolution kernel, a rank-3
 * `*.weight`/`*.bias` a PredRNN-release layer norm over [C, h, w], and a rank-3 `*_weight` one
 * of MIM's [C, h, w] peepholes (`ct_weight`, `oc_weight`); a rank-5 `*.weight` a Conv3d
 * kernel, and a rank-4 `*.weight`/`*.bias` of an E3D-LSTM layer norm (`_norm_c_t`, or the `.1`
 * after a Conv3d when layer norm is on) one over [C, d, h, w]; the rest is unchanged.
 */
export function guessLayout(name: string, rank: number): InterchangeLayout {
  // A bare module's state_dict names its parameters plain `weight` and `bias`.
  const last = name.slice(name.lastIndexOf('.') + 1)
  if (rank === 5 && last === 'weight') return 'conv3d'
  if (rank === 4 && /(^|\.)(_norm_c_t|conv_[a-z_]+\.1)\.(weight|bias)$/.test(name)) {
    return 'windowNorm'
  }
  if (rank === 4 && last === 'weight') return 'conv2d'
  if (rank === 3 && (last === 'weight' || last === 'bias' || last.endsWith('_weight'))) {
    return 'layerNorm'
  }
  return 'bias'
}

/** tfjs layouts → PyTorch layouts, by name (see `InterchangeLayout`). */
export function toPytorchLayout(tensors: TensorMap, options: InterchangeOptions = {}): TensorMap {
  return relayout(tensors, options, TO_PYTORCH)
}

/** PyTorch layouts → tfjs layouts, by name; the inverse of `toPytorchLayout`. */
export function fromPytorchLayout(tensors: TensorMap, options: InterchangeOptions = {}): TensorMap {
  return relayout(tensors, options, FROM_PYTORCH)
}

/**
 * tfjs-layout weights as the bytes (in pieces, see `encodeSafetensors`) of a file that
 * `safetensors.torch.load_file` reads straight into the PredRNN-style PyTorch module of the
 * same architecture (`model.load_state_dict(...)`).
 */
export function encodePytorchSafetensors(
  weights: TensorMap,
  options: InterchangeOptions & { metadata?: Record<string, string> } = {},
): Uint8Array[] {
  // "format": "pt" is what safetensors.torch.save_file writes; some PyTorch loaders check it.
  return encodeSafetensors(toPytorchLayout(weights, options), { format: 'pt', ...options.metadata })
}

/** Writes `encodePytorchSafetensors` to `path` atomically. */
export function exportPytorchSafetensors(
  path: string,
  weights: TensorMap,
  options: InterchangeOptions & { metadata?: Record<string, string> } = {},
): void {
  writeFileAtomic(path, encodePytorchSafetensors(weights, options))
}

/** Reads a PyTorch-layout safetensors file (e.g. a release state_dict) into tfjs layouts. */
export function importPytorchSafetensors(
  path: string,
  options: InterchangeOptions = {},
): SafetensorsContents {
  const { tensors, metadata } = readSafetensors(path)
  return { tensors: fromPytorchLayout(tensors, options), metadata }
}

function relayout(
  tensors: TensorMap,
  options: InterchangeOptions,
  perms: Record<InterchangeLayout, readonly number[] | null>,
): TensorMap {
  const out: TensorMap = {}
  for (const [name, tensor] of Object.entries(tensors)) {
    const layout = options.layouts?.[name] ?? guessLayout(name, tensor.shape.length)
    const perm = perms[layout]
    out[name] = perm === null ? tensor : checkedTranspose(name, layout, tensor, perm)
  }
  return out
}

function checkedTranspose(
  name: string,
  layout: InterchangeLayout,
  tensor: Tensor,
  perm: readonly number[],
): Tensor {
  if (tensor.shape.length !== perm.length) {
    throw new Error(
      `"${name}" is listed as ${layout} (rank ${perm.length}) but has rank ${tensor.shape.length}`,
    )
  }
  return transposeTensor(tensor, perm)
}
