import { Command } from 'commander'
import { WORKBENCH_VERSION } from '../version'
import { registerDoctor } from './commands/doctor'
import { registerServe } from './commands/serve'
import { out } from './output'

const program = new Command()
  .name('tmu')
  .description('TMU Workbench: transfer learning across spatiotemporal predictive networks')
  .version(WORKBENCH_VERSION)

registerServe(program)
registerDoctor(program)

program.parseAsync(process.argv).catch((error: unknown) => {
  out.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
