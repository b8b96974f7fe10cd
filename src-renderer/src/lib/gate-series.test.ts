import { describe, expect, it } from 'vitest'
import { clipGateSeries, frameCursor, tmuLayerSeries } from './gate-series'

describe('tmuLayerSeries', () => {
  const metrics = {
    'train/loss': [[1, 0.5]] as [number, number][],
    'tmu/gate/L1/m2': [[1, 0.4]] as [number, number][],
    'tmu/gate/L1/m1': [[1, 0.6]] as [number, number][],
    'tmu/gate/L1/m1/t03': [[1, 0.9]] as [number, number][],
    'tmu/gate/L2/m1': [[1, 0.2]] as [number, number][],
    'tmu/distill/L1/m1': [[1, 0.01]] as [number, number][],
  }

  it('groups gates by layer, one named curve per source in gate order', () => {
    expect(tmuLayerSeries(metrics, 'gate', ['FD-1', 'FD-2'])).toEqual([
      {
        layer: 1,
        series: [
          { label: 'FD-1', points: [[1, 0.6]], colour: 0 },
          { label: 'FD-2', points: [[1, 0.4]], colour: 1 },
        ],
      },
      { layer: 2, series: [{ label: 'FD-1', points: [[1, 0.2]], colour: 0 }] },
    ])
  })

  it('reads the distillation error apart, and names unknown sources by number', () => {
    expect(tmuLayerSeries(metrics, 'distill', [])).toEqual([
      { layer: 1, series: [{ label: 'source 1', points: [[1, 0.01]], colour: 0 }] },
    ])
  })
})

describe('clipGateSeries', () => {
  it('puts step t at the clip frame it predicts (t + 1)', () => {
    const [layer] = clipGateSeries({
      clip: 0,
      layers: [1],
      sources: ['FD-1'],
      gateMean: [[[0.5, 0.25]]],
    })
    expect(layer).toEqual({
      layer: 1,
      series: [
        {
          label: 'FD-1',
          points: [
            [2, 0.5],
            [3, 0.25],
          ],
          colour: 0,
        },
      ],
    })
    expect(frameCursor(4).points).toEqual([
      [4, 0],
      [4, 1],
    ])
  })
})
