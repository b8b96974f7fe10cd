import type * as tf from '@tensorflow/tfjs'
import type { OneDnnKernels } from './onednn-addon'
import type {
  KernelArgs,
  KernelName,
  KernelNumbers,
  KernelTensorNames,
} from './onednn-kernel-table'

/**
 * What every onednn kernel needs: the wasm backend's heap as one typed array for the addon,
 * tensors as byte offsets into it, and outputs allocated there by the backend itself.
 */

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
interface WasmBackend extends tf.KernelBackend {
  readonly wasm: { readonly wasmMemory: { readonly buffer: ArrayBufferLike } }
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined }
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
}

export interface KernelCall {
  readonly inputs: tf.NamedTensorInfoMap
  readonly backend: tf.KernelBackend
  readonly attrs?: tf.NamedAttrMap
}

export type KernelFunc = (call: KernelCall) => tf.TensorInfo | tf.TensorInfo[]

const heaps = new WeakMap<tf.KernelBackend, Heap>()
/** One token per tensor data: tfjs never changes a tensor's data once written. */
const tokens = new WeakMap<object, number>()
let lastToken = 0

export class Heap {
  private view: Uint8Array | null = null

  private constructor(private readonly backend: WasmBackend) {}

  static of(backend: tf.KernelBackend): Heap {
    let heap = heaps.get(backend)
    if (!heap) heaps.set(backend, (heap = new Heap(backend as WasmBackend)))
    return heap
  }

  /** The whole heap; re-viewed after the memory grows (growth swaps the buffer). */
  bytes(): Uint8Array {
    const buffer = this.backend.wasm.wasmMemory.buffer
    if (this.view === null || this.view.buffer !== buffer) this.view = new Uint8Array(buffer)
    return this.view
  }

  offset(t: tf.TensorInfo): number {
    const data = this.backend.dataIdMap.get(t.dataId)
    if (!data) throw new Error('onednn: tensor is not on the wasm backend')
    return data.memoryOffset
  }

  /** A number naming t's values for as long as the process lives (never reused). */
  token(t: tf.TensorInfo): number {
    let token = tokens.get(t.dataId)
    if (token === undefined) tokens.set(t.dataId, (token = ++lastToken))
    return token
  }

  /** Runs one of the addon's kernels here: its numbers as given, its tensors by offset. */
  run<K extends KernelName>(
    addon: OneDnnKernels,
    kernel: K,
    numbers: KernelNumbers<K>,
    tensors: Record<KernelTensorNames<K>, tf.TensorInfo>,
  ): void {
    const offsets: Record<string, number> = {}
    for (const [name, t] of Object.entries<tf.TensorInfo>(tensors)) offsets[name] = this.offset(t)
    addon[kernel](this.bytes(), { ...numbers, ...offsets } as KernelArgs<K>)
  }

  /** A new tensor on the heap, for the addon to fill. */
  output(shape: readonly number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
    return this.backend.makeOutput([...shape], dtype)
  }
}

export function assertFloat32(kernel: string, ...tensors: tf.TensorInfo[]): void {
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`onednn ${kernel}: expected float32, got ${t.dtype}`)
  }
}
