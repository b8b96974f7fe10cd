import { DataError } from '../errors'
import type { SplitName } from '../frame-store'
import { createRng, shuffleInPlace } from '../random'
import type { SplitRule } from './types'

/** Decides the split of sequence `index` (of `count`), named `name`, read from `file`. */
export type SplitAssigner = (index: number, name: string, file: string) => SplitName

export const DEFAULT_SPLIT: SplitRule = { kind: 'ratio', train: 0.8, val: 0.1, test: 0.1, seed: 0 }

export function createSplitAssigner(rule: SplitRule, count: number): SplitAssigner {
  if (rule.kind === 'all') return () => rule.split
  if (rule.kind === 'pattern') return patternAssigner(rule)
  const total = rule.train + rule.val + rule.test
  if (![rule.train, rule.val, rule.test].every((r) => r >= 0) || !(total > 0)) {
    throw new RangeError('split ratios must be ≥ 0 and not all 0')
  }
  // A seeded permutation gives exact counts (a per-sequence coin flip would not).
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    createRng(rule.seed),
  )
  const rank = new Int32Array(count)
  order.forEach((sequence, r) => (rank[sequence] = r))
  const trainEnd = Math.round((rule.train / total) * count)
  const valEnd = trainEnd + Math.round((rule.val / total) * count)
  return (index) => {
    const r = rank[index] as number
    return r < trainEnd ? 'train' : r < valEnd ? 'val' : 'test'
  }
}

function patternAssigner(rule: Extract<SplitRule, { kind: 'pattern' }>): SplitAssigner {
  const patterns = (['train', 'val', 'test'] as const)
    .filter((split) => rule[split] !== undefined)
    .map((split) => ({ split, re: new RegExp(rule[split] as string) }))
  return (_index, name, file) => {
    const matches = patterns.filter((p) => p.re.test(name)).map((p) => p.split)
    if (matches.length !== 1) {
      const problem =
        matches.length === 0 ? 'matches no split pattern' : `matches ${matches.join(' and ')}`
      throw new DataError(file, `sequence '${name}' ${problem}`)
    }
    return matches[0] as SplitName
  }
}
