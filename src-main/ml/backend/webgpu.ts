import { mkdirSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'

/**
 * WebGPU in Node: Dawn's bindings (`webgpu`, an optional dependency that ships a prebuilt
 * `dawn.node` per platform, so it installs from npm alone) give `navigator.gpu`, and tfjs's
 * webgpu backend computes on it. One path for NVIDIA, AMD, Intel and Apple GPUs, through
 * Vulkan, Metal or D3D12.
 */

/** Debian's chromium ships SwiftShader's Vulkan driver: a software GPU, slow but correct. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'

/** The adapter as `tmu doctor` and Settings show it. */
export interface WebGpuAdapterReport {
  readonly vendor: string
  readonly architecture: string
  readonly description: string
  /** A software adapter (e.g. SwiftShader): `auto` passes it by. */
  readonly fallback: boolean
  readonly maxBufferSize: number
  readonly maxStorageBufferBindingSize: number
}

export interface WebGpuOptions {
  /** Accept a software adapter; `auto` does not, `--backend webgpu` does. */
  readonly allowFallbackAdapter: boolean
}

/** The subset of Dawn's module this file uses (its own types are for browsers' WebGPU). */
interface DawnModule {
  create(flags: string[]): GpuLike
  globals: Record<string, unknown>
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>
}
interface AdapterLike {
  readonly info: {
    vendor: string
    architecture: string
    description: string
    isFallbackAdapter?: boolean
  }
  readonly isFallbackAdapter?: boolean
  readonly limits: { maxBufferSize: number; maxStorageBufferBindingSize: number }
}

let gpu: GpuLike | null = null

/** Dawn's GPU object, installed as `navigator.gpu` once per process for tfjs to find. */
async function dawnGpu(): Promise<GpuLike> {
  if (gpu) return gpu
  let dawn: DawnModule
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error('webgpu is not installed (optional dependency; `npm install webgpu`)')
    }
    throw new Error(`webgpu (Dawn) failed to load: ${(error as Error).message.split('\n')[0]}`)
  }
  // Vulkan's loader complains on stderr, once per adapter, when there is no runtime folder
  // (as under `sbatch`, `ssh host cmd` or a container); a private one, per user, quiets it.
  if (!process.env.XDG_RUNTIME_DIR) {
    const runtimeDir = join(tmpdir(), `tmu-runtime-${userInfo().uid}`)
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 })
    process.env.XDG_RUNTIME_DIR = runtimeDir
  }
  const created = dawn.create([])
  Object.assign(globalThis, dawn.globals)
  const global = globalThis as { navigator?: { gpu?: unknown } }
  if (global.navigator) Object.defineProperty(global.navigator, 'gpu', { value: created })
  else global.navigator = { gpu: created }
  gpu = created
  return created
}

function describeAdapter(adapter: AdapterLike): WebGpuAdapterReport {
  const { info, limits } = adapter
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    fallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    maxBufferSize: limits.maxBufferSize,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  }
}

/** The adapter in one line, e.g. `SwiftShader driver 5.0.0 (google swiftshader, software)`. */
export function formatAdapter(adapter: WebGpuAdapterReport): string {
  const kind = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ')
  const software = adapter.fallback ? ', software' : ''
  const buffers = `buffers up to ${(adapter.maxBufferSize / 2 ** 30).toFixed(1)} GiB`
  return `${adapter.description || 'unnamed adapter'} (${kind || 'unknown vendor'}${software}), ${buffers}`
}

/** The adapter Dawn offers, or why there is none, without touching tfjs. */
export async function findWebGpuAdapter(options: WebGpuOptions): Promise<WebGpuAdapterReport> {
  const adapter = await (await dawnGpu()).requestAdapter({ powerPreference: 'high-performance' })
  if (!adapter) {
    throw new Error(
      `no WebGPU adapter: no Vulkan, Metal or D3D12 driver Dawn can use (for a software GPU, ` +
        `set VK_ICD_FILENAMES=${SWIFTSHADER_ICD} from Debian's chromium)`,
    )
  }
  const report = describeAdapter(adapter)
  if (report.fallback && !options.allowFallbackAdapter) {
    throw new Error(
      `only a software adapter, ${formatAdapter(report)}: auto passes it by, --backend webgpu uses it`,
    )
  }
  return report
}

/** Makes tfjs's webgpu backend the active one, on the adapter `findWebGpuAdapter` accepts. */
export async function initWebGpuBackend(options: WebGpuOptions): Promise<WebGpuAdapterReport> {
  const adapter = await findWebGpuAdapter(options)
  await import('@tensorflow/tfjs-backend-webgpu')
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs webgpu backend failed to initialise')
  return adapter
}
