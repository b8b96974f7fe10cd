/**
 * The layers of src-main, as configuration `npm test` checks (docs/architecture.md, "Layout").
 * Imports point inward:
 *   electron/, server/, cli/ → api/ → services/ → store/, jobs/, data/, ml/ → domain/
 * with util/ usable by all, api/contract/ and media/ plain TypeScript the renderer imports too,
 * and TensorFlow.js reachable only from the trainer process's entry (tests and benchmarks
 * aside): the process that serves the UI computes shapes and counts from configs.
 */

/** A folder of src-main and everything below it. */
const inside = (...folders) => `^src-main/(${folders.join('|')})/`

/** Folders each layer may import besides itself, util/ and domain/ (every layer may). */
const allowed = {
  domain: [],
  'api/contract': [],
  // media/ and the contract are the two main-side folders the renderer imports.
  media: ['api/contract'],
  util: [],
  ml: [],
  data: ['media'],
  store: [],
  jobs: ['ml', 'data'],
  services: ['api/contract', 'store', 'jobs', 'data', 'ml', 'media'],
  api: ['api/contract', 'services', 'store'],
  server: ['api', 'api/contract'],
  cli: ['api', 'api/contract', 'server', 'media'],
  // server/: File › Open in Browser starts serve mode inside the desktop app's process.
  electron: ['api', 'api/contract', 'server'],
  preload: ['api/contract'],
}

const layerRules = Object.entries(allowed).map(([layer, others]) => {
  const may = [layer, 'domain', 'util', ...others]
  return {
    name: `${layer.replace('/', '-')}-imports-inward`,
    comment: `${layer}/ may import only ${may.join(', ')} within src-main`,
    severity: 'error',
    from: {
      path: `^src-main/${layer}/`,
      // Tests may reach across layers to build real fixtures; api/ is a layer apart from
      // api/contract/.
      pathNot: ['\\.test\\.ts$', ...(layer === 'api' ? ['^src-main/api/contract/'] : [])],
    },
    to: { path: '^src-main/', pathNot: `${inside(...may)}` },
  }
})

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes two modules one: neither can be read, tested or moved alone.',
      severity: 'error',
      from: { path: '^src-main/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'tensorflow-only-in-the-trainer',
      comment:
        'TensorFlow.js is loaded only by the trainer process (jobs/trainer-entry.ts): the ' +
        'desktop shell, the CLI and serve mode compute shapes and counts from configs.',
      severity: 'error',
      from: {
        path: '^src-main/(electron|server|cli|api|services|store|preload)/',
        pathNot: '\\.test\\.ts$',
      },
      to: { path: '@tensorflow/', reachable: true },
    },
    {
      name: 'no-test-code-in-the-product',
      comment: 'Test helpers live in */testing/ and are imported by tests only.',
      severity: 'error',
      from: { path: '^src-main/', pathNot: '(\\.test\\.ts$|/testing/)' },
      to: { path: '/testing/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsConfig: { fileName: 'tsconfig.node.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
}
