import * as tf from '@tensorflow/tfjs'
import type { TmuOptions } from '../../domain/model'
import { layerNorm } from '../cells/layer-norm'
import type { CellFactory, LayerSpec, RecurrentCell } from '../cells/recurrent-cell'
import type { ParamBuilder } from '../params'
import {
  createDistillers,
  M_KEYS,
  splitPerSource,
  transferMemory,
  type TmuStepOptions,
} from './tmu-cell'

/**
 * The TMU on a backbone other than ConvLSTM (PredRNN, PredRNN++, PredRNN-V2, MIM),
 * docs/method.md §3.11. The layer's own cell runs unchanged and yields its temporal memory
 * after the step as C̃_t; a transfer-gate convolution beside it reads what the cell's gates
 * read, and the TMU's transfer (tmu-cell.ts) replaces the C carried to t+1:
 *   H_t, C̃_t, M̃_t, … = backbone cell( X_t, H_{t−1}, C_{t−1}, M^{l−1}_t, … )   (N, … as the cell has them)
 *   [s_1..s_M, s'_1..s'_M] = split( LN( Conv_k×k( concat[X_t, H_{t−1}] ) + b ) )   (s' with transferM)
 *   D_m = LN_m( W_m^{1×1} * C̃_t ),  T_m = σ(s_m),  C_t = C̃_t + Σ_m [ T_m⊙D_m + (1−T_m)⊙C̃_t ]
 * With `tmu.transferM`, the same on the spatiotemporal memory the cell hands on (its zig-zag M̃_t):
 *   D'_m = LN'_m( W'_m^{1×1} * M̃_t ),  T'_m = σ(s'_m),  M_t = M̃_t + Σ_m [ T'_m⊙D'_m + (1−T'_m)⊙M̃_t ]
 * and M_t, not M̃_t, goes to the layer above (to layer 1 at t+1 from the top).
 * As in the release's ConvLSTM TMU, H_t reads C̃_t (and M̃_t) and the transfer acts on what
 * comes after; without transferM the zig-zag M and MIM's upward N pass as the backbone hands
 * them on, so the stack's other paths are untouched.
 *
 * The release fuses s_m into ConvLSTM's one gate convolution and its layer norm. These
 * backbones split their gates over several convolutions (conv_x, conv_h, …), so the s_m get a
 * convolution and a layer norm of their own under the layer's scope: `transfer.0.weight`,
 * `transfer.0.bias`, `transfer.1.weight`/`.bias` (always normed, as the release's gates; with
 * transferM twice as wide, s_1..s_M then s'_1..s'_M), then `distiller<m>.…` as in the release
 * and, with transferM, `distiller_m<m>.…`. The backbone's own weights keep their names, so a
 * source of the same backbone can start them (init-from-source.ts).
 *
 * `spec` is the geometry of what the transfer reads: the layer's own, except on E3D-LSTM, whose
 * X (above layer 1), H and C are windows of d slots, read and transferred as d·hidden channels
 * (tmu-network.ts hands it the widened spec and a backbone that builds the cell at its own).
 */
export function createTmuBackboneCell(
  backbone: CellFactory,
  spec: LayerSpec,
  params: ParamBuilder,
  root: ParamBuilder,
  options: TmuOptions,
): RecurrentCell {
  const cell = backbone(spec, params, root)
  const { sources, transferM } = options
  if (transferM && cell.zigzagChannels === null) {
    throw new Error(
      `tmu layer ${spec.index + 1}: tmu.transferM needs a cell with a spatiotemporal memory M`,
    )
  }
  const { inChannels, hiddenChannels: hid, kernelSize: k, heightPatches, widthPatches } = spec
  const gateChannels = (transferM ? 2 : 1) * sources * hid
  const kernel = params.convWeight('transfer.0.weight', k, inChannels + hid, gateChannels)
  const bias = params.convBias('transfer.0.bias', (inChannels + hid) * k * k, gateChannels)
  const norm = params.layerNorm('transfer.1', [heightPatches, widthPatches, gateChannels])
  const distillers = createDistillers(spec, params, sources)
  const distillersM = transferM ? createDistillers(spec, params, sources, 'distiller_m') : []
  const stepOptions: TmuStepOptions = { gate: options.gate, rescaleMemory: options.rescaleMemory }
  return {
    hiddenChannels: cell.hiddenChannels,
    zigzagChannels: cell.zigzagChannels,
    zeroState: (batch) => cell.zeroState(batch),
    step: (x, prev, zigzag, fromBelow, mode) => {
      const out = cell.step(x, prev, zigzag, fromBelow, mode)
      const transferred = tf.tidy(() => {
        const gates = tf.add(tf.conv2d(tf.concat([x, prev.h], -1), kernel, 1, 'same'), bias)
        const s = splitPerSource(layerNorm(gates as tf.Tensor4D, norm), gateChannels / hid)
        const ofC = transferMemory(distillers, out.state.c, s.slice(0, sources), stepOptions)
        if (!transferM) return ofC
        if (!out.zigzag) throw new Error(`tmu layer ${spec.index + 1}: the cell handed on no M`)
        const ofM = transferMemory(distillersM, out.zigzag, s.slice(sources), stepOptions, M_KEYS)
        return { ...ofC, ...ofM }
      })
      const handedOn = transferred[M_KEYS.carried] ?? out.zigzag
      return { ...out, state: { ...out.state, ...transferred }, zigzag: handedOn }
    },
  }
}
