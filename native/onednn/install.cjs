// `npm install` of the addon: node-gyp's build, with its output kept when it fails. The addon
// is an optional dependency, so npm carries on without it and the workbench trains on wasm;
// `tmu doctor` then reads the log below to say why the build failed, not only that it did.
'use strict'
const { spawnSync } = require('node:child_process')
const { mkdirSync, rmSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

// Beside the workbench's own node_modules, where onednn-addon.ts looks for it; npm removes a
// failed optional dependency's link, and with it anything written inside the package.
const LOG = join(process.env.INIT_CWD ?? process.cwd(), 'node_modules', '.cache', 'tmu-onednn')

// npm hands install scripts the node-gyp it bundles; a plain `node-gyp` otherwise.
const gyp = process.env.npm_config_node_gyp
const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']]
const result = spawnSync(command, args, { cwd: __dirname, encoding: 'utf8' })
process.stdout.write(result.stdout ?? '')
process.stderr.write(result.stderr ?? '')
rmSync(LOG, { recursive: true, force: true })
if (result.status !== 0) {
  mkdirSync(LOG, { recursive: true })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`
  writeFileSync(join(LOG, 'build-failure.log'), output)
  process.exit(result.status ?? 1)
}
