/** The workbench's version, baked in at build time from package.json by Vite's `define`. */
declare const __TMU_VERSION__: string | undefined

export const WORKBENCH_VERSION: string =
  typeof __TMU_VERSION__ === 'string' ? __TMU_VERSION__ : (process.env.npm_package_version ?? 'dev')
