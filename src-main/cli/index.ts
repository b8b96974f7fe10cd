import { Command } from 'commander'
import { WORKBENCH_VERSION } from '../version'
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

program.parseAsync(process.argv).catch((error: unknown) => {
  out.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
