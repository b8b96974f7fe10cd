import { join } from 'node:path'
import { ModelConfig, type E3dOptions } from '../../domain/model'
import { describeRolloutParity, redrawForParity } from '../../testing/pytorch-parity'
import { createNetwork } from '../network'

/**
 * Forward parity of a whole E3D-LSTM network against PyTorch: fixtures/e3d_reference.py writes
 * the eidetic cell from the paper with real Conv3d modules in NCDHW and OpenSTL's module names,
 * loads our weights strictly and rolls out the same clips. Three layers of 8 on 32×32 clips
 * (patch 4, 8×8 positions): OpenSTL's window of 2 with the paper's carried M and no layer norm,
 * and a window of 3 with layer norm and OpenSTL's M that stays zero.
 */

const CASES: { layerNorm: boolean; e3d: E3dOptions }[] = [
  { layerNorm: false, e3d: { window: 2, globalMemory: 'carried' } },
  { layerNorm: true, e3d: { window: 3, globalMemory: 'zero' } },
]

function e3dNetwork(layerNorm: boolean, e3d: E3dOptions) {
  const model = ModelConfig.parse({
    cell: 'e3d',
    hidden: [8, 8, 8],
    kernelSize: 3,
    imageHeight: 32,
    imageWidth: 32,
    layerNorm,
    e3d,
  })
  const net = createNetwork(model, { seed: 3 })
  redrawForParity(net)
  return net
}

await describeRolloutParity(
  'E3D-LSTM',
  'e3d',
  join(import.meta.dirname, 'fixtures', 'e3d_reference.py'),
  CASES.map(({ layerNorm, e3d }) => ({
    title: `window ${e3d.window}, M ${e3d.globalMemory}, layer norm ${layerNorm ? 'on' : 'off'}`,
    network: () => e3dNetwork(layerNorm, e3d),
    request: { window: e3d.window, global_memory: e3d.globalMemory },
  })),
)
