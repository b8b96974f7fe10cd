import { join } from 'node:path'
import { describeRolloutParity } from '../../testing/pytorch-parity'

/**
 * Forward parity of a whole MIM network against PyTorch: fixtures/mim_reference.py writes the
 * ST-LSTM, the MIM block and its two memory modules from the paper with OpenSTL's module
 * names, loads our weights strictly and rolls out the same clips. Three layers, so layer 2's
 * MIM-N reads the difference of layer 1's H and layer 3's the N handed up from layer 2.
 */
await describeRolloutParity('MIM', 'mim', join(import.meta.dirname, 'fixtures', 'mim_reference.py'))
