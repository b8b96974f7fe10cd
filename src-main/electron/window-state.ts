import { existsSync, readFileSync } from 'node:fs'
import { z } from 'zod'
import { writeFileAtomic } from '../util/atomic-write'

/** Where the main window was, kept in the app's user-data folder between launches. */
export const WindowState = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean(),
})
export type WindowState = z.infer<typeof WindowState>

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** The first launch's window, and the smallest the layout is designed for. */
export const DEFAULT_SIZE = { width: 1400, height: 900 }
export const MIN_SIZE = { width: 1280, height: 720 }

/** How much of the title bar must lie on a screen for the window to be reachable. */
const MIN_VISIBLE = 120

/**
 * The bounds to open the window with: the saved ones while enough of the window's top lies
 * on one of today's screens (a monitor unplugged since would leave it out of reach), else
 * the default size on the primary screen (`workAreas[0]`), centred. Sizes never go below
 * the minimum or above the screen they land on.
 */
export function boundsToOpen(
  saved: WindowState | null,
  workAreas: Rect[],
): Rect & { maximized: boolean } {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE }
  const fit = (size: { width: number; height: number }, area: Rect) => ({
    width: Math.min(Math.max(size.width, MIN_SIZE.width), area.width),
    height: Math.min(Math.max(size.height, MIN_SIZE.height), area.height),
  })
  if (saved) {
    const area = workAreas.find((a) => overlap(a, { ...saved, height: 1 }) >= MIN_VISIBLE)
    if (area && saved.y >= area.y)
      return { x: saved.x, y: saved.y, ...fit(saved, area), maximized: saved.maximized }
  }
  const size = fit(DEFAULT_SIZE, primary)
  return {
    x: primary.x + Math.round((primary.width - size.width) / 2),
    y: primary.y + Math.round((primary.height - size.height) / 2),
    ...size,
    maximized: saved?.maximized ?? false,
  }
}

/** Horizontal overlap of the window's top edge with a screen, in pixels (0 when on another row). */
function overlap(area: Rect, top: Rect): number {
  if (top.y < area.y || top.y >= area.y + area.height) return 0
  return Math.max(0, Math.min(area.x + area.width, top.x + top.width) - Math.max(area.x, top.x))
}

/** The saved state, or null when there is none or it cannot be read (then the default opens). */
export function readWindowState(file: string): WindowState | null {
  if (!existsSync(file)) return null
  try {
    const parsed = WindowState.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

export function writeWindowState(file: string, state: WindowState) {
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`)
}
