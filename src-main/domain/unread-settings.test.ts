import { describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from './model'
import { unreadSettings } from './unread-settings'

const train = (t: Partial<TrainConfig> = {}) => TrainConfig.parse(t)

describe('unreadSettings', () => {
  it("hides a stack's widths and the sampling schedule from a one-pass model, never its sizes", () => {
    const unread = unreadSettings(
      ModelConfig.parse({ cell: 'tau', patchSize: 1 }),
      train({ etaStart: 0, reverseInput: false, ddrWeight: 0.1 }),
    )
    expect(unread).toEqual(
      expect.arrayContaining(['model.hidden', 'model.kernelSize', 'train.etaStart']),
    )
    expect(unread).not.toContain('train.ddrWeight')
    expect(unread).not.toContain('train.learningRate')
  })

  it("keeps PredRNN-V2's β and its reverse schedule, and drops them for a ConvLSTM", () => {
    const v2 = unreadSettings(
      ModelConfig.parse({ cell: 'predrnnv2' }),
      train({ sampling: 'reverse' }),
    )
    expect(v2).not.toContain('train.decoupleWeight')
    expect(v2).not.toContain('train.reverseSamplingEnd')
    expect(v2).toContain('train.etaStart')
    const convLstm = unreadSettings(ModelConfig.parse({ cell: 'convlstm' }), train())
    expect(convLstm).toEqual(
      expect.arrayContaining([
        'train.decoupleWeight',
        'train.reverseSamplingEnd',
        'train.ddrWeight',
      ]),
    )
    expect(convLstm).not.toContain('train.etaDecay')
    expect(convLstm).not.toContain('model.hidden')
  })

  it('keeps the distillation settings for a TMU target and the step sizes for a step schedule', () => {
    const tmu = unreadSettings(
      ModelConfig.parse({ cell: 'predrnn', tmu: { sources: 2 } }),
      train({ lrSchedule: 'step' }),
    )
    expect(tmu).not.toContain('train.distillWeight')
    expect(tmu).not.toContain('train.lrStepEvery')
    const scratch = unreadSettings(ModelConfig.parse({ cell: 'predrnn' }), train())
    expect(scratch).toEqual(expect.arrayContaining(['train.distillWeight', 'train.lrStepEvery']))
  })
})
