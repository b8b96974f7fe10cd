#!/usr/bin/env node
// Prints the closing line CI reads, "N passed, N failed, N skipped", from the JSON reports
// vitest and Playwright write and the tiny study's outcome that .ci/run records. A suite whose
// report is missing (it never ran because an earlier step failed) counts as one failure, so a
// broken build can never look green.
import { existsSync, readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0

function read(file) {
  if (!existsSync(file)) {
    process.stdout.write(`no report at ${file}: that suite did not run\n`)
    failed += 1
    return null
  }
  return JSON.parse(readFileSync(file, 'utf8'))
}

const unit = read('reports/unit.json')
if (unit) {
  passed += unit.numPassedTests
  failed += unit.numFailedTests
  skipped += unit.numPendingTests + unit.numTodoTests
  // A test file that failed to load has no tests to count; count the file.
  failed += unit.testResults.filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  ).length
}

const e2e = read('reports/e2e.json')
if (e2e) {
  passed += e2e.stats.expected + e2e.stats.flaky
  failed += e2e.stats.unexpected
  skipped += e2e.stats.skipped
  failed += e2e.errors.length
}

// The tiny transfer study that .ci/run runs from the command line: one journey, one test.
const study = read('reports/study.json')
if (study) {
  if (study.ok) passed += 1
  else failed += 1
}

process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`)
