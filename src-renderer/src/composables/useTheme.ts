import { ref, watchEffect } from 'vue'

export type ThemeChoice = 'system' | 'light' | 'dark'

const STORAGE_KEY = 'tmu.theme'
const stored = localStorage.getItem(STORAGE_KEY)
/** The user's theme choice, kept across reloads; Settings edits it. */
export const themeChoice = ref<ThemeChoice>(
  stored === 'light' || stored === 'dark' ? stored : 'system',
)

/** Applies the theme to <html data-theme>, following the OS when set to "system". Call once. */
export function installTheme() {
  const media = window.matchMedia('(prefers-color-scheme: dark)')
  const apply = () => {
    const dark = themeChoice.value === 'dark' || (themeChoice.value === 'system' && media.matches)
    document.documentElement.dataset.theme = dark ? 'dark' : 'light'
  }
  media.addEventListener('change', apply)
  watchEffect(() => {
    localStorage.setItem(STORAGE_KEY, themeChoice.value)
    apply()
  })
}
