#!/usr/bin/env node
// `npm run dist [-- --linux | --mac | --win]`: packages the desktop app with electron-builder
// (electron-builder.json): Linux AppImage and deb, macOS dmg for arm64 and x64, Windows NSIS;
// by default for the platform it runs on. Signing and notarisation come from environment
// variables and are skipped, with a line saying so, where they are unset.
//
// electron-builder rebuilds native addons for Electron in the project's own node_modules.
// Here only the ABI-specific ones are rebuilt (Node-API addons load as they are), and their
// Node builds are put back afterwards, so the CLI and tests keep working after a dist.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** Which platform each flag packages for, by Node's name for it. */
const PLATFORM_FLAGS = { '--linux': 'linux', '--mac': 'darwin', '--win': 'win32' }

/**
 * What signing the environment allows on `platform`: config overrides for electron-builder
 * and one line per step that is skipped. macOS: CSC_LINK (or CSC_NAME) signs, and APPLE_ID +
 * APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID (or APPLE_API_KEY + APPLE_API_KEY_ID +
 * APPLE_API_ISSUER) notarise a signed app. Windows: WIN_CSC_LINK (or CSC_LINK) signs.
 */
export function signingPlan(env, platform) {
  const notes = []
  if (platform === 'darwin') {
    const signs = Boolean(env.CSC_LINK || env.CSC_NAME)
    const appleId = env.APPLE_ID && env.APPLE_APP_SPECIFIC_PASSWORD && env.APPLE_TEAM_ID
    const apiKey = env.APPLE_API_KEY && env.APPLE_API_KEY_ID && env.APPLE_API_ISSUER
    const notarises = signs && Boolean(appleId || apiKey)
    if (!signs) notes.push('macOS: CSC_LINK is unset, so the app is not signed.')
    if (!notarises) {
      notes.push(
        signs
          ? 'macOS: APPLE_ID/APPLE_APP_SPECIFIC_PASSWORD/APPLE_TEAM_ID are unset, so the app is not notarised.'
          : 'macOS: an unsigned app cannot be notarised, so it is not.',
      )
    }
    // identity null is electron-builder's "do not sign" (it would else look in the keychain).
    return { config: { mac: { ...(signs ? {} : { identity: null }), notarize: notarises } }, notes }
  }
  if (platform === 'win32') {
    if (!(env.WIN_CSC_LINK || env.CSC_LINK)) {
      notes.push('Windows: WIN_CSC_LINK is unset, so the installer is not signed.')
    }
    return { config: {}, notes }
  }
  return { config: {}, notes: ['Linux: AppImage and deb packages are not signed.'] }
}

/** The Electron zip electron-builder needs, fetched into the shared cache; null, or why not. */
async function fetchElectronZip(version, platform, arch) {
  const { downloadArtifact } = await import('@electron/get')
  try {
    await downloadArtifact({ version, artifactName: 'electron', platform, arch })
    return null
  } catch (error) {
    return String(error.message ?? error).split('\n')[0]
  }
}

async function main() {
  const platform =
    Object.entries(PLATFORM_FLAGS).find(([flag]) => process.argv.includes(flag))?.[1] ??
    process.platform
  const electronVersion = require('electron/package.json').version
  const arch = platform === 'darwin' ? 'arm64' : 'x64'
  const unreachable = await fetchElectronZip(electronVersion, platform, arch)
  if (unreachable) {
    process.stdout.write(
      `npm run dist: skipped: the Electron ${electronVersion} zip for ${platform}-${arch} could not be fetched (${unreachable}). Packaging needs it once from the network, or from ELECTRON_MIRROR or the electron cache.\n`,
    )
    return
  }
  const plan = signingPlan(process.env, platform)
  for (const note of plan.notes) process.stdout.write(`${note}\n`)

  const { rebuild } = require('@electron/rebuild')
  const abiCheck = await (await import('./rebuild-electron.js')).loadAbiCheck()
  const abiSpecific = abiCheck
    .checkDesktopAddons(root)
    .addons.filter((addon) => addon.abi.kind === 'node')
  // The binaries the rebuild overwrites: the Node builds in node_modules itself.
  const nodeFiles = abiSpecific.map((addon) =>
    addon.electronBuild ? relative(join(abiCheck.ELECTRON_BUILD_DIR), addon.file) : addon.file,
  )
  const nodeBuilds = mkdtempSync(join(tmpdir(), 'tmu-node-builds-'))
  for (const file of nodeFiles) cpSync(join(root, file), join(nodeBuilds, file))

  const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8'))
  delete config.$schema
  const builder = require('electron-builder')
  const target = { linux: builder.Platform.LINUX, darwin: builder.Platform.MAC }[platform]
  try {
    await builder.build({
      targets: (target ?? builder.Platform.WINDOWS).createTarget(),
      publish: 'never',
      config: {
        ...config,
        mac: { ...config.mac, ...plan.config.mac },
        // Called once per architecture; returning false skips electron-builder's own rebuild.
        beforeBuild: async (context) => {
          await rebuild({
            buildPath: root,
            electronVersion: context.electronVersion,
            arch: context.arch,
            onlyModules: [...new Set(abiSpecific.map((addon) => addon.module))],
            force: true,
          })
          return false
        },
      },
    })
  } finally {
    for (const file of nodeFiles) cpSync(join(nodeBuilds, file), join(root, file))
    rmSync(nodeBuilds, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
