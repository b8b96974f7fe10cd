import { isDeepStrictEqual } from 'node:util'

/**
 * The addon's kernels as TypeScript sees them: each kernel's dimensions, scalars and tensors
 * (byte offsets into the heap) with their sizes, from which the addon's types derive. The
 * addon declares the same table in C++ (native/onednn/src/kernel_table.cc), where it sizes
 * and bounds-checks every tensor, and exports it: loadOneDnnAddon compares the two, so a
 * build from other sources (a stale one, say) is refused with the difference named instead
 * of being called with arguments it reads differently. A new kernel is one row here and one
 * there; the C++ row also says which function it calls.
 */

/** A size in floats: a product of dimensions and constants, or rows `stride` apart. */
type Size =
  | readonly (string | number)[]
  | { readonly rows: string; readonly stride: string; readonly width: string }

interface KernelSpec {
  /** Non-negative integers that size the tensors. */
  readonly dims: readonly string[]
  readonly scalars: readonly { readonly name: string; readonly type: 'number' | 'integer' }[]
  readonly tensors: readonly {
    readonly name: string
    readonly direction: 'in' | 'out'
    readonly size: Size
  }[]
}

/** tfjs's computeConv2DInfo, field by field (convolutionGeometry in onednn-kernels.ts). */
const CONV_GEOMETRY = [
  'batch',
  'inHeight',
  'inWidth',
  'inChannels',
  'outHeight',
  'outWidth',
  'outChannels',
  'filterHeight',
  'filterWidth',
  'strideHeight',
  'strideWidth',
  'dilationHeight',
  'dilationWidth',
  'padTop',
  'padLeft',
  'padBottom',
  'padRight',
] as const
const CONV_INPUT = ['batch', 'inHeight', 'inWidth', 'inChannels'] as const
const CONV_OUTPUT = ['batch', 'outHeight', 'outWidth', 'outChannels'] as const
const CONV_FILTER = ['filterHeight', 'filterWidth', 'inChannels', 'outChannels'] as const
/** A depthwise filter [kh, kw, in, multiplier]: kh·kw·out values (out = in·multiplier). */
const DEPTHWISE_FILTER = ['filterHeight', 'filterWidth', 'outChannels'] as const
const FILTER_TOKEN = { name: 'filterToken', type: 'integer' } as const

/** The fused cells work on positions (every batch, row and column) × channels. */
const CELL = ['positions', 'channels'] as const
const STATE = ['positions', 'channels'] as const
const times = (groups: number) => ['positions', groups, 'channels'] as const

/** GroupNorm works on samples of positions × channels, in groups of channels. */
const GROUP_NORM = ['batch', 'positions', 'channels', 'groups'] as const
const GROUP_NORM_VALUES = ['batch', 'positions', 'channels'] as const

/** Layer norm works on rows (samples) of `width` values. */
const ROWS = ['rows', 'width'] as const
const ROW_VALUES = ['rows', 'width'] as const

const inputs = <const N extends string, const S extends Size>(size: S, ...names: N[]) =>
  names.map((name) => ({ name, direction: 'in' as const, size }))
const outputs = <const N extends string, const S extends Size>(size: S, ...names: N[]) =>
  names.map((name) => ({ name, direction: 'out' as const, size }))

export const KERNEL_TABLE = {
  convForward: {
    dims: CONV_GEOMETRY,
    scalars: [FILTER_TOKEN],
    tensors: [
      ...inputs(CONV_INPUT, 'x'),
      ...inputs(CONV_FILTER, 'filter'),
      ...outputs(CONV_OUTPUT, 'y'),
    ],
  },
  convBackwardInput: {
    dims: CONV_GEOMETRY,
    scalars: [FILTER_TOKEN],
    tensors: [
      ...inputs(CONV_OUTPUT, 'dy'),
      ...inputs(CONV_FILTER, 'filter'),
      ...outputs(CONV_INPUT, 'dx'),
    ],
  },
  convBackwardFilter: {
    dims: CONV_GEOMETRY,
    scalars: [],
    tensors: [
      ...inputs(CONV_INPUT, 'x'),
      ...inputs(CONV_OUTPUT, 'dy'),
      ...outputs(CONV_FILTER, 'dFilter'),
    ],
  },
  /** A depthwise convolution (groups = inChannels) and its gradients: SimVP's and TAU's. */
  depthwiseConvForward: {
    dims: CONV_GEOMETRY,
    scalars: [FILTER_TOKEN],
    tensors: [
      ...inputs(CONV_INPUT, 'x'),
      ...inputs(DEPTHWISE_FILTER, 'filter'),
      ...outputs(CONV_OUTPUT, 'y'),
    ],
  },
  depthwiseConvBackwardInput: {
    dims: CONV_GEOMETRY,
    scalars: [FILTER_TOKEN],
    tensors: [
      ...inputs(CONV_OUTPUT, 'dy'),
      ...inputs(DEPTHWISE_FILTER, 'filter'),
      ...outputs(CONV_INPUT, 'dx'),
    ],
  },
  depthwiseConvBackwardFilter: {
    dims: CONV_GEOMETRY,
    scalars: [],
    tensors: [
      ...inputs(CONV_INPUT, 'x'),
      ...inputs(CONV_OUTPUT, 'dy'),
      ...outputs(DEPTHWISE_FILTER, 'dFilter'),
    ],
  },
  /** GroupNorm and SiLU over samples of positions × channels (ml/fused/group-norm-silu.ts). */
  groupNormSilu: {
    dims: GROUP_NORM,
    scalars: [{ name: 'epsilon', type: 'number' }],
    tensors: [
      ...inputs(GROUP_NORM_VALUES, 'x'),
      ...inputs(['channels'], 'gamma', 'beta'),
      ...outputs(GROUP_NORM_VALUES, 'y'),
      ...outputs(['batch', 'groups'], 'mean', 'variance'),
    ],
  },
  groupNormSiluGrad: {
    dims: GROUP_NORM,
    scalars: [{ name: 'epsilon', type: 'number' }],
    tensors: [
      ...inputs(GROUP_NORM_VALUES, 'x'),
      ...inputs(['channels'], 'gamma', 'beta'),
      ...inputs(['batch', 'groups'], 'mean', 'variance'),
      ...inputs(GROUP_NORM_VALUES, 'dy'),
      ...outputs(GROUP_NORM_VALUES, 'dx'),
      ...outputs(['channels'], 'dGamma', 'dBeta'),
    ],
  },
  /** ConvLSTM's pointwise step (ml/fused/conv-lstm-gates.ts). */
  convLstmGates: {
    dims: CELL,
    scalars: [],
    tensors: [...inputs(times(4), 'gates'), ...inputs(STATE, 'cPrev'), ...outputs(STATE, 'c', 'h')],
  },
  convLstmGatesGrad: {
    dims: CELL,
    scalars: [],
    tensors: [
      ...inputs(times(4), 'gates'),
      ...inputs(STATE, 'cPrev', 'dc', 'dh'),
      ...outputs(times(4), 'dGates'),
      ...outputs(STATE, 'dcPrev'),
    ],
  },
  /** ST-LSTM's memory updates (ml/fused/st-lstm-pointwise.ts). */
  stLstmMemories: {
    dims: CELL,
    scalars: [{ name: 'forgetBias', type: 'number' }],
    tensors: [
      ...inputs(times(7), 'xGates'),
      ...inputs(times(4), 'hGates'),
      ...inputs(times(3), 'mGates'),
      ...inputs(STATE, 'cPrev', 'mPrev'),
      ...outputs(STATE, 'c', 'm', 'oPartial'),
    ],
  },
  stLstmMemoriesGrad: {
    dims: CELL,
    scalars: [{ name: 'forgetBias', type: 'number' }],
    tensors: [
      ...inputs(times(7), 'xGates'),
      ...inputs(times(4), 'hGates'),
      ...inputs(times(3), 'mGates'),
      ...inputs(STATE, 'cPrev', 'mPrev', 'dc', 'dm', 'dOPartial'),
      ...outputs(times(7), 'dxGates'),
      ...outputs(times(4), 'dhGates'),
      ...outputs(times(3), 'dmGates'),
      ...outputs(STATE, 'dcPrev', 'dmPrev'),
    ],
  },
  /** h = σ(a + b)·tanh(l) over `size` values. */
  lstmOutput: {
    dims: ['size'],
    scalars: [],
    tensors: [...inputs(['size'], 'a', 'b', 'l'), ...outputs(['size'], 'h')],
  },
  lstmOutputGrad: {
    dims: ['size'],
    scalars: [],
    tensors: [...inputs(['size'], 'a', 'b', 'l', 'dh'), ...outputs(['size'], 'dPre', 'dl')],
  },
  /** Layer norm over rows of `width` values (ml/fused/layer-norm.ts). */
  layerNorm: {
    dims: ROWS,
    scalars: [{ name: 'epsilon', type: 'number' }],
    tensors: [
      ...inputs(ROW_VALUES, 'x'),
      ...inputs(['width'], 'gamma', 'beta'),
      ...outputs(ROW_VALUES, 'y'),
      ...outputs(['rows'], 'mean', 'variance'),
    ],
  },
  layerNormGrad: {
    dims: ROWS,
    scalars: [{ name: 'epsilon', type: 'number' }],
    tensors: [
      ...inputs(ROW_VALUES, 'x'),
      ...inputs(['width'], 'gamma', 'beta'),
      ...inputs(['rows'], 'mean', 'variance'),
      ...inputs(ROW_VALUES, 'dy'),
      ...outputs(ROW_VALUES, 'dx'),
      ...outputs(['width'], 'dGamma', 'dBeta'),
    ],
  },
  /** Row r's `width` 32-bit values from src + r·srcStride to dst + r·dstStride (in values). */
  copyBlocks: {
    dims: ['rows', 'width', 'srcStride', 'dstStride'],
    scalars: [],
    tensors: [
      ...inputs({ rows: 'rows', stride: 'srcStride', width: 'width' }, 'src'),
      ...outputs({ rows: 'rows', stride: 'dstStride', width: 'width' }, 'dst'),
    ],
  },
} as const satisfies Record<string, KernelSpec>

export type KernelName = keyof typeof KERNEL_TABLE
type Spec<K extends KernelName> = (typeof KERNEL_TABLE)[K]

/** A kernel's dimensions and scalars, by name. */
export type KernelNumbers<K extends KernelName> = Record<
  Spec<K>['dims'][number] | Spec<K>['scalars'][number]['name'],
  number
>
/** A kernel's tensors, by name. */
export type KernelTensorNames<K extends KernelName> = Spec<K>['tensors'][number]['name']
/** Everything a kernel is called with: numbers, and tensors as byte offsets into the heap. */
export type KernelArgs<K extends KernelName> = KernelNumbers<K> &
  Record<KernelTensorNames<K>, number>

/** The 17 dimensions of a convolution (convImplementations takes them alone). */
export type ConvGeometry = Record<(typeof CONV_GEOMETRY)[number], number>

/**
 * Why the addon's exported table (`kernels`) is not this one, or null where they agree: the
 * first kernel that differs, as built and as expected, so a stale build names its change.
 */
export function describeKernelTableMismatch(built: unknown): string | null {
  const rebuild = 'rebuild it (`npm rebuild @tmu/onednn`)'
  if (typeof built !== 'object' || built === null) {
    return `@tmu/onednn exports no kernel table, so it predates this workbench: ${rebuild}`
  }
  const builtKernels = built as Record<string, unknown>
  const names = new Set([...Object.keys(KERNEL_TABLE), ...Object.keys(builtKernels)])
  for (const name of names) {
    const expected: unknown = (KERNEL_TABLE as Record<string, unknown>)[name]
    const actual = builtKernels[name]
    if (isDeepStrictEqual(actual, expected)) continue
    const what =
      actual === undefined
        ? `has no kernel ${name}`
        : expected === undefined
          ? `has a kernel ${name} this workbench does not know`
          : `declares ${name} as ${JSON.stringify(actual)} where this workbench expects ${JSON.stringify(expected)}`
    return `@tmu/onednn was built from other sources (a stale build?): it ${what}; ${rebuild}`
  }
  return null
}
