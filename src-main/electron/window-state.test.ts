import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeTempDir } from '../testing/data-fixtures'
import { boundsToOpen, readWindowState, writeWindowState, type WindowState } from './window-state'
import { readWorkspaceChoice, writeWorkspaceChoice } from './workspace-choice'

const laptop = { x: 0, y: 0, width: 1920, height: 1050 }
const monitorOnTheRight = { x: 1920, y: 0, width: 2560, height: 1400 }
const saved: WindowState = { x: 2100, y: 80, width: 1600, height: 1000, maximized: false }

describe('boundsToOpen', () => {
  it('opens where the window was while that screen is still there', () => {
    expect(boundsToOpen(saved, [laptop, monitorOnTheRight])).toEqual({
      x: 2100,
      y: 80,
      width: 1600,
      height: 1000,
      maximized: false,
    })
  })

  it('comes back to the primary screen, centred, when the screen it was on is gone', () => {
    expect(boundsToOpen(saved, [laptop])).toEqual({
      x: 260,
      y: 75,
      width: 1400,
      height: 900,
      maximized: false,
    })
  })

  it('keeps the title bar reachable: a window above the screen top opens at the default', () => {
    const bounds = boundsToOpen({ ...saved, x: 100, y: -50 }, [laptop])
    expect(bounds.y).toBeGreaterThanOrEqual(laptop.y)
  })

  it('never opens below the minimum size or beyond the screen it lands on', () => {
    expect(
      boundsToOpen({ ...saved, x: 10, y: 10, width: 300, height: 200 }, [laptop]),
    ).toMatchObject({ width: 1280, height: 720 })
    const small = { x: 0, y: 0, width: 1366, height: 740 }
    expect(boundsToOpen(null, [small])).toEqual({
      x: 0,
      y: 0,
      width: 1366,
      height: 740,
      maximized: false,
    })
  })

  it('reopens maximised if it was', () => {
    expect(boundsToOpen({ ...saved, maximized: true }, [laptop]).maximized).toBe(true)
  })
})

describe('the remembered window and workspace', () => {
  it('round-trips through the user-data folder', () => {
    const dir = makeTempDir('tmu-desktop-')
    writeWindowState(join(dir, 'window-state.json'), saved)
    expect(readWindowState(join(dir, 'window-state.json'))).toEqual(saved)
    writeWorkspaceChoice(join(dir, 'workspace.json'), '/data/tmu')
    expect(readWorkspaceChoice(join(dir, 'workspace.json'))).toBe('/data/tmu')
  })

  it('falls back to the defaults when the files are missing, torn or from elsewhere', () => {
    const dir = makeTempDir('tmu-desktop-')
    expect(readWindowState(join(dir, 'window-state.json'))).toBeNull()
    writeFileSync(join(dir, 'window-state.json'), '{"x": 10, "y"')
    expect(readWindowState(join(dir, 'window-state.json'))).toBeNull()
    writeFileSync(join(dir, 'window-state.json'), JSON.stringify({ ...saved, width: -5 }))
    expect(readWindowState(join(dir, 'window-state.json'))).toBeNull()
    writeFileSync(join(dir, 'workspace.json'), JSON.stringify({ workspace: 'relative/dir' }))
    expect(readWorkspaceChoice(join(dir, 'workspace.json'))).toBeNull()
  })

  it('refuses to remember a relative workspace folder', () => {
    const dir = makeTempDir('tmu-desktop-')
    expect(() => writeWorkspaceChoice(join(dir, 'workspace.json'), 'relative/dir')).toThrow()
  })
})
