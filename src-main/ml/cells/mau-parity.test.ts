import { join } from 'node:path'
import { ModelConfig, type MauOptions } from '../../domain/model'
import { describeRolloutParity, redrawForParity } from '../../testing/pytorch-parity'
import { createNetwork } from '../network'

/**
 * Forward parity of a whole MAU network against PyTorch: fixtures/mau_reference.py writes the
 * encoder, the motion-aware unit and the decoder from the paper with OpenSTL's module names,
 * loads our weights strictly and rolls out the same clips. Three layers of 8 on 32×32 clips
 * (patch 2): reduced 4× (two stride-2 convolutions and two transposed ones, 4×4 cells) with a
 * window of 3 that the 7 steps overrun, and unreduced (srSize 1, the encoder's 1×1 alone).
 * MAU always normalises, so layer norm is not a case.
 */

const CASES: MauOptions[] = [
  { srSize: 4, tau: 3 },
  { srSize: 1, tau: 2 },
]

function mauNetwork(mau: MauOptions) {
  const model = ModelConfig.parse({
    cell: 'mau',
    hidden: [8, 8, 8],
    kernelSize: 3,
    patchSize: 2,
    imageHeight: 32,
    imageWidth: 32,
    mau,
  })
  const net = createNetwork(model, { seed: 3 })
  redrawForParity(net)
  return net
}

await describeRolloutParity(
  'MAU',
  'mau',
  join(import.meta.dirname, 'fixtures', 'mau_reference.py'),
  CASES.map((mau) => ({
    title: `srSize ${mau.srSize}, τ ${mau.tau}`,
    network: () => mauNetwork(mau),
    request: { sr_size: mau.srSize, tau: mau.tau },
  })),
)
