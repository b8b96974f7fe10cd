import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import {
  isRecurrentCell,
  e3dOptionsOf,
  mauOptionsOf,
  SimVpOptions,
  type CellKind,
  type ModelConfig,
  type TrainConfig,
} from '../src-main/domain/model'
import { DEFAULT_PYTHON } from '../src-main/testing/pytorch'

export { pytorchUnavailable } from '../src-main/testing/pytorch'

/**
 * bench/reference/predrnn_step.py under Debian's python3-torch (2 threads), or on CUDA, served:
 * the model is built once and each timing is one call, so they alternate with ours.
 */

const SCRIPT = fileURLToPath(new URL('./reference/predrnn_step.py', import.meta.url))

export interface PyTorchServeRequest {
  readonly cell: CellKind
  readonly layers: number
  readonly hidden: number
  readonly kernel: number
  /** Patch size; the script's (4) when absent. */
  readonly patch?: number
  /** referenceOptions' JSON: what the model reads beyond the stack. */
  readonly modelOptions?: string
  readonly batch: number
  readonly threads: number
  readonly warmup: number
  readonly device: string
}

/**
 * A model's options beyond its stack, as the references' constructors name them: MAU's
 * sr_size and τ, E3D-LSTM's window and whether M is carried (1) or stays zero (0), SimVP's
 * and TAU's sizes (OpenSTL's argument names), TAU's translator and DDR weight. Empty for the
 * other backbones.
 */
export function referenceOptions(
  model: ModelConfig,
  train: Pick<TrainConfig, 'ddrWeight'>,
): Record<string, number | string> {
  if (model.cell === 'mau') {
    const { srSize, tau } = mauOptionsOf(model)
    return { sr_size: srSize, tau }
  }
  if (model.cell === 'e3d') {
    const { window, globalMemory } = e3dOptionsOf(model)
    return { window, carry_memory: globalMemory === 'carried' ? 1 : 0 }
  }
  if (isRecurrentCell(model.cell)) return {}
  const o = SimVpOptions.parse(model.simvp ?? {})
  return {
    hid_s: o.spatialChannels,
    hid_t: o.translatorChannels,
    n_s: o.spatialBlocks,
    n_t: o.translatorBlocks,
    enc_k: o.encoderKernel,
    dec_k: o.decoderKernel,
    mlp_ratio: o.mlpRatio,
    input_frames: o.inputFrames,
    channels: model.channels,
    translator: model.cell === 'tau' ? 'tau' : 'gsta',
    ddr_weight: train.ddrWeight,
  }
}

function scriptArgs(request: object): string[] {
  return Object.entries(request).flatMap(([key, value]) => [
    `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    String(value),
  ])
}

/** What the served reference runs on (predrnn_step.py's `describe`). */
export interface PyTorchDevice {
  readonly torchVersion: string
  readonly device: string
  readonly threads: number
  readonly gpu?: string
  readonly cudaVersion?: string
  readonly cudnnVersion?: number
}

/** A reference model kept alive between timings, so they can alternate with ours. */
export interface PyTorchStepper {
  readonly info: PyTorchDevice
  /** Seconds of one training iteration, device work finished. */
  trainSeconds(): Promise<number>
  /** Seconds of one inference rollout under no_grad. */
  inferSeconds(): Promise<number>
  close(): void
}

/** Starts predrnn_step.py --serve; resolves once it has built the model and warmed up. */
export async function openPyTorchStepper(
  request: PyTorchServeRequest,
  python = DEFAULT_PYTHON,
): Promise<PyTorchStepper> {
  const child = spawn(python, [SCRIPT, '--serve', ...scriptArgs(request)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code) => reject(new Error(`${SCRIPT} exited with ${code}`))),
  )
  exited.catch(() => {})
  async function reply(): Promise<Record<string, unknown>> {
    const next = await Promise.race([lines.next(), exited])
    if (next.done) throw new Error(`${SCRIPT} closed its output`)
    const message = JSON.parse(next.value) as Record<string, unknown>
    if (typeof message.error === 'string') throw new Error(`${SCRIPT}: ${message.error}`)
    return message
  }
  const { ready: _ready, ...info } = await reply()
  return {
    info: info as unknown as PyTorchDevice,
    async trainSeconds() {
      child.stdin.write('train\n')
      return (await reply()).seconds as number
    },
    async inferSeconds() {
      child.stdin.write('infer\n')
      return (await reply()).seconds as number
    },
    close() {
      child.stdin.end()
    },
  }
}
