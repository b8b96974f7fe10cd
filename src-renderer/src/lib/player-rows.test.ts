import { describe, expect, it } from 'vitest'
import type { HeatMode } from '@media/heatmap'
import { heatModes, type PlayerRow } from './player-rows'

const row = (id: string, heat: (HeatMode | undefined)[]): PlayerRow => ({
  id,
  label: id,
  panes: heat.map((h, i) => ({
    id: `${id}-${i}`,
    label: '',
    frames: [],
    probe: () => '',
    heat: h,
  })),
})

describe('heatModes', () => {
  it('lists each heat-map mode on screen once, |error| first', () => {
    const rows = [
      row('truth', [undefined]),
      row('a', [undefined, 'signed', 'abs']),
      row('b', ['abs']),
    ]
    expect(heatModes(rows)).toEqual(['abs', 'signed'])
  })

  it('is empty without heat maps', () => {
    expect(heatModes([row('truth', [undefined]), row('a', [undefined])])).toEqual([])
  })
})
