import { Command } from 'commander'
import { WORKBENCH_VERSION } from '../util/version'
import { registerData } from './commands/data'
import { registerDoctor } from './commands/doctor'
import { registerModel } from './commands/model'
import { registerPredict } from './commands/predict'
import { registerRuns } from './commands/runs'
import { registerServe } from './commands/serve'
import { registerStudy } from './commands/study'
import { registerTrain } from './commands/train'
import { out } from './output'

const program = new Command()
  .name('tmu')
  .description('TMU Workbench: transfer learning across spatiotemporal predictive networks')
  .version(WORKBENCH_VERSION)

registerServe(program)
registerData(program)
registerTrain(program)
registerRuns(program)
registerStudy(program)
registerModel(program)
registerPredict(program)
registerDoctor(program)

/** How long a failed command waits for its handles to close before it exits anyway. */
const EXIT_GRACE_MS = 2_000

program.parseAsync(process.argv).catch((error: unknown) => {
  out.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
  // The workspace is closed by now; a handle a library left open (tfjs' wasm thread pool once
  // kept a failed `tmu zoo import` alive for good) must not keep a failed command running.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref()
})
