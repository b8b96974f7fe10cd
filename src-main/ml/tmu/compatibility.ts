import {
  aCell,
  CELL_LABELS,
  CellKind,
  hasSpatiotemporalMemory,
  e3dOptionsOf,
  isRecurrentCell,
  mauOptionsOf,
  type ModelConfig,
} from '../../domain/model'
import { requireTmu, tmuLayerIndices } from './tmu-layers'

/**
 * Whether M source networks can feed a TMU target (docs/method.md §3.2): the memory bank hands
 * source m's cell memory C^{k,(m)}_t [B, h, w, hidden_k] to the distiller of the target's TMU
 * layer k, so every source must run on the target's clips (same image size, channels and
 * patch size) and have, at each TMU layer k, a memory as wide as the target's layer k.
 * Layers elsewhere, kernel sizes and layer norm may differ: they never meet the target.
 * With `tmu.transferM` the bank hands over each source's spatiotemporal memory M^{k,(m)}_t as
 * well, so the target and every source must have one (the PredRNN family's zig-zag M), of the
 * target's shape: the grid and width checks above cover it, M being as wide as every layer.
 */

export interface SourceDescription {
  /** Shown in messages, e.g. the source run's name. */
  readonly name: string
  readonly config: ModelConfig
}

/** Sources that cannot feed the target; `code` maps onto the API's `invalid_input`. */
export class IncompatibleSourcesError extends Error {
  override readonly name = 'IncompatibleSourcesError'
  readonly code = 'invalid_input'
  constructor(readonly problems: readonly string[]) {
    super(`the sources cannot feed this TMU target: ${problems.join('; ')}`)
  }
}

/**
 * Which backbones' C can stand for a ConvLSTM memory. PredRNN's C (ST-LSTM) is allowed: it is
 * the same forget-gated temporal memory, [B, h, w, hidden] like ConvLSTM's; its zig-zag
 * memory M is not transferred. PredRNN++'s C (Causal LSTM) is too: the same update with one
 * more convolution (of C_{t−1}) in its gates; neither its M nor the GHU's Z is transferred
 * (docs/method.md §2.6). PredRNN-V2's C is the ST-LSTM's (§2.7). A record over every kind,
 * so a new cell must decide here.
 */
const TRANSFERABLE_MEMORY: Record<CellKind, boolean> = {
  convlstm: true,
  predrnn: true,
  predrnnpp: true,
  // The ST-LSTM's C: decoupling makes it differ from M, not from a ConvLSTM memory.
  predrnnv2: true,
  // A MIM block's C carries the stationary module's T_t in place of a forget-gated C_{t−1},
  // [B, h, w, hidden] still: what stands for the source's temporal memory (§2.8).
  mim: true,
  // T, MAU's temporal state, carried along time in a layer as C is (S goes up as H does);
  // [B, h/sr, w/sr, hidden], so it stands for C only where srSize leaves the grid as is (§2.9).
  mau: true,
  // E3D-LSTM's C holds a window of d time slots, [B, h, w, d·hidden]: a memory with a temporal
  // axis no other backbone has, so it feeds only an E3D target of the same window (§2.12).
  e3d: true,
  // SimVP and TAU hold no memory state at all (§2.10, §2.11): nothing to hand a TMU.
  simvp: false,
  tau: false,
}

/** Throws IncompatibleSourcesError listing every problem; returns quietly when all fit. */
export function checkTmuCompatibility(
  target: ModelConfig,
  sources: readonly SourceDescription[],
): void {
  const tmu = requireTmu(target)
  const tmuIndices = tmuLayerIndices(target)
  const problems: string[] = []
  if (tmu.transferM && !hasSpatiotemporalMemory(target.cell)) {
    problems.push(transferMProblem('the target', target.cell))
  }
  if (sources.length !== tmu.sources) {
    problems.push(`the target has M = ${tmu.sources} sources (tmu.sources), got ${sources.length}`)
  }
  const names = sources.map((s) => s.name)
  for (const name of new Set(names)) {
    if (names.indexOf(name) !== names.lastIndexOf(name))
      problems.push(`source "${name}" is given twice`)
  }
  for (const source of sources) {
    problems.push(...sourceProblems(target, tmuIndices, source))
    // A TMU or memoryless source is refused above already, for a reason that comes first.
    const { cell, tmu: sourceTmu } = source.config
    if (tmu.transferM && isRecurrentCell(cell) && !sourceTmu && !hasSpatiotemporalMemory(cell)) {
      problems.push(transferMProblem(`source "${source.name}"`, cell))
    }
  }
  if (problems.length > 0) throw new IncompatibleSourcesError(problems)
}

/** Why a network cannot take part in an M transfer, in words. */
export function transferMProblem(who: string, cell: CellKind): string {
  const having = CellKind.options
    .filter(hasSpatiotemporalMemory)
    .map((kind) => CELL_LABELS[kind])
    .join(', ')
  // E3D-LSTM has an M, but a windowed one that the M transfer does not read (method.md §2.12).
  const why =
    cell === 'e3d'
      ? 'whose spatiotemporal memory M spans a window of time slots the M transfer does not read'
      : 'which has no spatiotemporal memory M to transfer'
  return `${who} is ${aCell(cell)} network, ${why} (tmu.transferM needs ${having})`
}

function sourceProblems(
  target: ModelConfig,
  tmuIndices: readonly number[],
  { name, config }: SourceDescription,
): string[] {
  const label = `source "${name}"`
  if (config.tmu) {
    const plain = CellKind.options
      .filter(isRecurrentCell)
      .map((kind) => CELL_LABELS[kind])
      .join(', ')
    return [`${label} is a TMU network; sources are plain networks (${plain})`]
  }
  if (!isRecurrentCell(config.cell)) {
    return [`${label} is ${aCell(config.cell)} network, which holds no memory state to transfer`]
  }
  if (!TRANSFERABLE_MEMORY[config.cell]) {
    return [
      `${label} is ${aCell(config.cell)} network, whose memory cannot stand for the target's C`,
    ]
  }
  const problems: string[] = []
  // MAU's memory lives srSize-fold coarser than the patched grid, a source's or a target's.
  const reduction = (m: ModelConfig) => (m.cell === 'mau' ? mauOptionsOf(m).srSize : 1)
  if (reduction(config) !== reduction(target)) {
    const grid = (m: ModelConfig) =>
      `${m.imageHeight / m.patchSize / reduction(m)}×${m.imageWidth / m.patchSize / reduction(m)}`
    const whose =
      config.cell === 'mau'
        ? `is a MAU network with srSize ${reduction(config)}: its memory T lives on`
        : 'keeps its memory on'
    problems.push(
      `${label} ${whose} ${grid(config)} cells, the target's on ${grid(target)}; a MAU's srSize must leave the two grids equal`,
    )
  }
  const differs = (what: string, s: unknown, t: unknown) => {
    if (s !== t) problems.push(`${label} has ${what} ${String(s)}, the target ${String(t)}`)
  }
  // E3D-LSTM's memory has a temporal window axis: it meets only another E3D-LSTM's (§2.12).
  if ((config.cell === 'e3d') !== (target.cell === 'e3d')) {
    problems.push(
      `${label} is ${aCell(config.cell)} network and the target a ${CELL_LABELS[target.cell]} one; an E3D-LSTM memory holds a window of time slots, so E3D-LSTM targets take E3D-LSTM sources only and E3D-LSTM sources feed E3D-LSTM targets only`,
    )
  } else if (config.cell === 'e3d') {
    differs('an E3D-LSTM window of', e3dOptionsOf(config).window, e3dOptionsOf(target).window)
  }
  differs('patch size', config.patchSize, target.patchSize)
  differs(
    'frames of',
    `${config.imageHeight}×${config.imageWidth}`,
    `${target.imageHeight}×${target.imageWidth}`,
  )
  differs('channels', config.channels, target.channels)
  const hidden = `[${config.hidden.join(',')}]`
  for (const index of tmuIndices) {
    const k = index + 1
    const wanted = target.hidden[index] as number
    const have = config.hidden[index]
    if (have === undefined) {
      problems.push(`${label} has hidden ${hidden}, no layer ${k} for the target's TMU layer ${k}`)
    } else if (have !== wanted) {
      problems.push(
        `${label} has hidden ${hidden} at layer ${k}, the target's TMU layer ${k} has ${wanted} channels`,
      )
    }
  }
  return problems
}
