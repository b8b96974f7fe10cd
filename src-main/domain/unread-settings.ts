import { isRecurrentCell, type ModelConfig, type TrainConfig } from './model'

/**
 * The settings a run carries but its model and training never read, as dotted keys
 * (`model.hidden`, `train.decoupleWeight`). Every run records every field with its default,
 * so a SimVP run also lists a stack's hidden widths and a ConvLSTM run PredRNN-V2's β; a reader
 * of the run page should not have to know which of those mattered.
 */
export function unreadSettings(model: ModelConfig, train: TrainConfig): string[] {
  const unread: string[] = []
  if (isRecurrentCell(model.cell)) {
    unread.push('train.ddrWeight')
    if (model.cell !== 'predrnnv2') unread.push('train.decoupleWeight')
    // Reverse sampling has its own schedule; a standard one at η = 0 never decays.
    if (train.sampling === 'reverse') unread.push('train.etaStart', 'train.etaDecay')
    else unread.push(...REVERSE_SAMPLING, ...(train.etaStart === 0 ? ['train.etaDecay'] : []))
  } else {
    // One pass from true context frames to all Tout (docs/method.md §2.10): no stack, no
    // patches, no sampling of its own guesses, no time reversal, no decoupling loss.
    unread.push(
      'model.hidden',
      'model.kernelSize',
      'model.layerNorm',
      'model.patchSize',
      'train.etaStart',
      'train.etaDecay',
      'train.sampling',
      ...REVERSE_SAMPLING,
      'train.reverseInput',
      'train.decoupleWeight',
    )
  }
  if (!model.tmu) unread.push('train.distillWeight', 'train.sourceInput')
  if (train.lrSchedule !== 'step') unread.push('train.lrStepEvery', 'train.lrStepFactor')
  return unread
}

const REVERSE_SAMPLING = [
  'train.reverseSamplingStart',
  'train.reverseSamplingEnd',
  'train.reverseSamplingAlpha',
]
