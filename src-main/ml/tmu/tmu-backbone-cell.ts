import * as tf from '@tensorflow/tfjs'
import type { TmuOptions } from '../../domain/model'
import { layerNorm } from '../cells/layer-norm'
import type { CellFactory, LayerSpec, RecurrentCell } from '../cells/recurrent-cell'
import type { ParamBuilder } from '../params'
import { createDistillers, splitPerSource, transferMemory, type TmuStepOptions } from './tmu-cell'

/**
 * The TMU on a backbone other than ConvLSTM (PredRNN, PredRNN++, PredRNN-V2, MIM),
 * docs/method.md §3.11. The layer's own cell runs unchanged and yields its temporal memory
 * after the step as C̃_t; a transfer-gate convolution beside it reads what the cell's gates
 * read, and the TMU's transfer (tmu-cell.ts) replaces the C carried to t+1:
 *   H_t, C̃_t, … = backbone cell( X_t, H_{t−1}, C_{t−1}, … )        (M, N, … as the cell has them)
 *   [s_1..s_M]  = split_M( LN( Conv_k×k( concat[X_t, H_{t−1}] ) + b ) )
 *   D_m = LN_m( W_m^{1×1} * C̃_t ),  T_m = σ(s_m),  C_t = C̃_t + Σ_m [ T_m⊙D_m + (1−T_m)⊙C̃_t ]
 * As in the release's ConvLSTM TMU, H_t reads C̃_t and the transfer acts from the next step on;
 * the zig-zag M and MIM's upward N pass as the backbone hands them on, so the stack's other
 * paths are untouched.
 *
 * The release fuses s_m into ConvLSTM's one gate convolution and its layer norm. These
 * backbones split their gates over several convolutions (conv_x, conv_h, …), so the s_m get a
 * convolution and a layer norm of their own under the layer's scope: `transfer.0.weight`,
 * `transfer.0.bias`, `transfer.1.weight`/`.bias` (always normed, as the release's gates), then
 * `distiller<m>.…` as in the release. The backbone's own weights keep their names, so a source
 * of the same backbone can start them (init-from-source.ts).
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
  const { inChannels, hiddenChannels: hid, kernelSize: k, heightPatches, widthPatches } = spec
  const gateChannels = options.sources * hid
  const kernel = params.convWeight('transfer.0.weight', k, inChannels + hid, gateChannels)
  const bias = params.convBias('transfer.0.bias', (inChannels + hid) * k * k, gateChannels)
  const norm = params.layerNorm('transfer.1', [heightPatches, widthPatches, gateChannels])
  const distillers = createDistillers(spec, params, options.sources)
  const stepOptions: TmuStepOptions = { gate: options.gate, rescaleMemory: options.rescaleMemory }
  return {
    hiddenChannels: cell.hiddenChannels,
    zigzagChannels: cell.zigzagChannels,
    zeroState: (batch) => cell.zeroState(batch),
    step: (x, prev, zigzag, fromBelow, mode) => {
      const out = cell.step(x, prev, zigzag, fromBelow, mode)
      const transferred = tf.tidy(() => {
        const gates = tf.add(tf.conv2d(tf.concat([x, prev.h], -1), kernel, 1, 'same'), bias)
        const s = splitPerSource(layerNorm(gates as tf.Tensor4D, norm), options.sources)
        return transferMemory(distillers, out.state.c, s, stepOptions)
      })
      return { ...out, state: { ...out.state, ...transferred } }
    },
  }
}
