import {
  etaDecayFor,
  reverseSamplingFor,
  type CellKind,
  type SimVpOptions,
  type TrainConfig,
} from '../../domain/model'

/**
 * Starting points for a new run, shared by the CLI (`--preset`), the New run form and the
 * study scales, so "paper" means the same thing everywhere (docs/method.md §4.4).
 */
export interface RunPreset {
  label: string
  /** `cell` only where the preset is one backbone's (the others keep the form's or CLI's choice). */
  model: {
    cell?: CellKind
    hidden: number[]
    kernelSize: number
    patchSize: number
    simvp?: Partial<SimVpOptions>
  }
  train: {
    batchSize: number
    iterations: number
    learningRate: number
    evalEvery: number
    checkpointEvery: number
    reverseInput: boolean
    etaDecay: number
    /** Absent: standard. */
    sampling?: TrainConfig['sampling']
    reverseSamplingStart?: number
    reverseSamplingEnd?: number
    reverseSamplingAlpha?: number
    decoupleWeight?: number
    /** Absent: the schema's (0, plain MSE); TAU's presets add α·DDR with OpenSTL's 0.1. */
    ddrWeight?: number
    /** Absent: the schema's (1); 0 for models that read no guesses (SimVP, TAU). */
    etaStart?: number
  }
  /** Test clips scored at the end; null = the whole test split. */
  testClips: number | null
}

/** Minutes on a laptop CPU; a higher learning rate because 200 iterations is all it gets. */
const QUICK_TRAIN = {
  batchSize: 4,
  iterations: 200,
  learningRate: 1e-3,
  evalEvery: 50,
  checkpointEvery: 100,
  reverseInput: false,
  etaDecay: etaDecayFor(200),
}

/**
 * OpenSTL's Moving MNIST schedule for the recurrent models: batch 16, Adam 1e-3 (their
 * defaults), 200 epochs of 10 000 clips = 125 000 iterations, scheduled sampling from 1 falling
 * by 2e-5 per iteration (their `sampling_changing_rate`). Their one-cycle schedule is not modelled.
 */
const OPENSTL_TRAIN = {
  batchSize: 16,
  iterations: 125_000,
  learningRate: 1e-3,
  evalEvery: 5_000,
  checkpointEvery: 5_000,
  reverseInput: false,
  etaDecay: 2e-5,
}

/** What a SimVP or TAU preset gives the recurrent-only model fields: ModelConfig's defaults. */
const RECURRENT_DEFAULTS = { hidden: [64, 64, 64, 64], kernelSize: 5 }

export const RUN_PRESETS = {
  /** The quick schedule on a 2×16 ConvLSTM, 3×3. */
  quick: {
    label: 'Quick CPU',
    model: { hidden: [16, 16], kernelSize: 3, patchSize: 4 },
    train: QUICK_TRAIN,
    testClips: 100,
  },
  /** The published configuration: 4×64 ConvLSTM, 5×5, patch 4, batch 8, Adam 3e-4, 80 000 iterations. */
  paper: {
    label: 'Paper',
    model: { hidden: [64, 64, 64, 64], kernelSize: 5, patchSize: 4 },
    train: {
      batchSize: 8,
      iterations: 80_000,
      learningRate: 3e-4,
      evalEvery: 5_000,
      checkpointEvery: 5_000,
      reverseInput: true,
      etaDecay: etaDecayFor(80_000),
    },
    testClips: null,
  },
  /** PredRNN++ at laptop scale: the quick preset's schedule on a 2×16 stack (2 layers: the GHU sits between them). */
  'predrnnpp-quick': {
    label: 'PredRNN++ quick CPU',
    model: { cell: 'predrnnpp', hidden: [16, 16], kernelSize: 3, patchSize: 4 },
    train: QUICK_TRAIN,
    testClips: 100,
  },
  /**
   * OpenSTL's Moving MNIST PredRNN++ (configs/mmnist/PredRNNpp.py): 4×128, 5×5, patch 4, no
   * layer norm, 38.6 M parameters in their table, on their schedule.
   */
  'predrnnpp-openstl': {
    label: 'PredRNN++ OpenSTL',
    model: { cell: 'predrnnpp', hidden: [128, 128, 128, 128], kernelSize: 5, patchSize: 4 },
    train: OPENSTL_TRAIN,
    testClips: null,
  },
  /** PredRNN-V2 at laptop scale: the quick schedule with reverse sampling scaled to it. */
  'predrnnv2-quick': {
    label: 'PredRNN-V2 quick CPU',
    model: { cell: 'predrnnv2', hidden: [16, 16], kernelSize: 3, patchSize: 4 },
    train: { ...QUICK_TRAIN, sampling: 'reverse', ...reverseSamplingFor(QUICK_TRAIN.iterations) },
    testClips: 100,
  },
  /**
   * OpenSTL's Moving MNIST PredRNN-V2 (configs/mmnist/PredRNNv2.py): 4×128, 5×5, patch 4, no
   * layer norm, β = 0.1, 23.9 M parameters in their table; their schedule with Adam 5e-4 and
   * reverse sampling ramping between iterations 25 000 and 50 000 with α = 5 000.
   */
  'predrnnv2-openstl': {
    label: 'PredRNN-V2 OpenSTL',
    model: { cell: 'predrnnv2', hidden: [128, 128, 128, 128], kernelSize: 5, patchSize: 4 },
    train: {
      ...OPENSTL_TRAIN,
      learningRate: 5e-4,
      sampling: 'reverse',
      reverseSamplingStart: 25_000,
      reverseSamplingEnd: 50_000,
      reverseSamplingAlpha: 5_000,
      decoupleWeight: 0.1,
    },
    testClips: null,
  },
  /** MIM at laptop scale: the quick schedule on a 2×16 stack (layer 2 is the first MIM block). */
  'mim-quick': {
    label: 'MIM quick CPU',
    model: { cell: 'mim', hidden: [16, 16], kernelSize: 3, patchSize: 4 },
    train: QUICK_TRAIN,
    testClips: 100,
  },
  /**
   * OpenSTL's Moving MNIST MIM (configs/mmnist/MIM.py): 4×128, 5×5, patch 4, no layer norm,
   * 38.0 M parameters in their table, on their schedule with standard scheduled sampling.
   */
  'mim-openstl': {
    label: 'MIM OpenSTL',
    model: { cell: 'mim', hidden: [128, 128, 128, 128], kernelSize: 5, patchSize: 4 },
    train: OPENSTL_TRAIN,
    testClips: null,
  },
  /**
   * MAU at laptop scale: a 2×16 stack, 3×3, on patch-2 frames that its default srSize 4
   * reduces to 8×8 cells, attending over the default 5 past steps; the quick schedule.
   */
  'mau-quick': {
    label: 'MAU quick CPU',
    model: { cell: 'mau', hidden: [16, 16], kernelSize: 3, patchSize: 2 },
    train: QUICK_TRAIN,
    testClips: 100,
  },
  /**
   * OpenSTL's Moving MNIST MAU (configs/mmnist/MAU.py): 4×64, 5×5, patch 1, sr_size 4, τ 5
   * (MauOptions' defaults), 4.5 M parameters in their table; their recurrent schedule.
   */
  'mau-openstl': {
    label: 'MAU OpenSTL',
    model: { cell: 'mau', hidden: [64, 64, 64, 64], kernelSize: 5, patchSize: 1 },
    train: OPENSTL_TRAIN,
    testClips: null,
  },
  /**
   * E3D-LSTM at laptop scale: 2×16, 3×3, window 2, on 8×8 patches (8×8 positions: the recall
   * weighs every slot and position against every remembered one, so its cost grows with the
   * square of the positions), 100 iterations of the quick schedule.
   */
  'e3d-quick': {
    label: 'E3D-LSTM quick CPU',
    model: { cell: 'e3d', hidden: [16, 16], kernelSize: 3, patchSize: 8 },
    train: { ...QUICK_TRAIN, iterations: 100, etaDecay: etaDecayFor(100) },
    testClips: 100,
  },
  /**
   * OpenSTL's Moving MNIST E3D-LSTM (configs/mmnist/E3DLSTM.py): 4×128, (2, 5, 5) kernels,
   * patch 4, window 2 (E3dOptions' default), 51.3 M parameters from the shapes (51.0 M in their
   * table); their recurrent schedule at their learning rate, 1e-4.
   */
  'e3d-openstl': {
    label: 'E3D-LSTM OpenSTL',
    model: { cell: 'e3d', hidden: [128, 128, 128, 128], kernelSize: 5, patchSize: 4 },
    train: { ...OPENSTL_TRAIN, learningRate: 1e-4 },
    testClips: null,
  },
  /**
   * SimVP + gSTA at laptop scale: 8 spatial channels, 4+4 ConvSC blocks (latents at 16×16),
   * 2 gSTA blocks of 32 channels (MixMlp ×4), on the quick schedule cut to 100 iterations
   * (its encoder and decoder run on all 40 full-size frames of a batch). The recurrent
   * fields keep ModelConfig's defaults: SimVP does not read them (docs/method.md §2.10).
   */
  'simvp-quick': {
    label: 'SimVP (gSTA) quick CPU',
    model: {
      ...RECURRENT_DEFAULTS,
      cell: 'simvp',
      patchSize: 1,
      simvp: {
        spatialChannels: 8,
        translatorChannels: 32,
        spatialBlocks: 4,
        translatorBlocks: 2,
        mlpRatio: 4,
      },
    },
    train: { ...QUICK_TRAIN, iterations: 100, etaStart: 0 },
    testClips: 100,
  },
  /**
   * OpenSTL's Moving MNIST SimVP + gSTA (configs/mmnist/simvp/SimVP_gSTA.py): hid_S 64,
   * hid_T 512, N_S 4, N_T 8, 3×3 spatial kernels, MixMlp ×8, 46.8 M parameters in their
   * table; batch 16, Adam 1e-3, 200 epochs (their one-cycle schedule and drop path are not
   * modelled).
   */
  'simvp-openstl': {
    label: 'SimVP (gSTA) OpenSTL',
    model: {
      ...RECURRENT_DEFAULTS,
      cell: 'simvp',
      patchSize: 1,
      simvp: {
        spatialChannels: 64,
        translatorChannels: 512,
        spatialBlocks: 4,
        translatorBlocks: 8,
      },
    },
    train: { ...OPENSTL_TRAIN, etaStart: 0 },
    testClips: null,
  },
  /**
   * TAU at simvp-quick's laptop scale (8 spatial channels, 4+4 ConvSC blocks, 2 temporal
   * attention blocks of 32 channels, MixMlp ×4) and schedule, trained on MSE + 0.1·DDR as
   * OpenSTL's TAU is (docs/method.md §2.11).
   */
  'tau-quick': {
    label: 'TAU quick CPU',
    model: {
      ...RECURRENT_DEFAULTS,
      cell: 'tau',
      patchSize: 1,
      simvp: {
        spatialChannels: 8,
        translatorChannels: 32,
        spatialBlocks: 4,
        translatorBlocks: 2,
        mlpRatio: 4,
      },
    },
    train: { ...QUICK_TRAIN, iterations: 100, etaStart: 0, ddrWeight: 0.1 },
    testClips: 100,
  },
  /**
   * OpenSTL's Moving MNIST TAU (configs/mmnist/TAU.py): SimVP's sizes (hid_S 64, hid_T 512,
   * N_S 4, N_T 8, 3×3 spatial kernels, MixMlp ×8), 44.7 M parameters in their table; batch
   * 16, Adam 1e-3, α = 0.1, drop path 0, 200 epochs (their one-cycle schedule is not
   * modelled).
   */
  'tau-openstl': {
    label: 'TAU OpenSTL',
    model: {
      ...RECURRENT_DEFAULTS,
      cell: 'tau',
      patchSize: 1,
      simvp: {
        spatialChannels: 64,
        translatorChannels: 512,
        spatialBlocks: 4,
        translatorBlocks: 8,
      },
    },
    train: { ...OPENSTL_TRAIN, etaStart: 0, ddrWeight: 0.1 },
    testClips: null,
  },
} satisfies Record<string, RunPreset>

export type RunPresetName = keyof typeof RUN_PRESETS
