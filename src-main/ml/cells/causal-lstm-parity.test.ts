import { join } from 'node:path'
import { describeRolloutParity } from '../../testing/pytorch-parity'

/**
 * Forward parity of a whole PredRNN++ network against PyTorch: fixtures/predrnnpp_reference.py
 * writes the Causal LSTM and the GHU from the paper's equations with OpenSTL's module names,
 * loads our weights with `load_state_dict(strict=True)` (so names and shapes must be
 * OpenSTL's) and rolls out the same clips. Three layers, so the GHU feeds layer 2 and layer 3
 * reads plain H.
 */
await describeRolloutParity(
  'PredRNN++',
  'predrnnpp',
  join(import.meta.dirname, 'fixtures', 'predrnnpp_reference.py'),
)
