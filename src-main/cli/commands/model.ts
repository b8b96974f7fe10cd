import type { Command } from 'commander'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ModelConfig, type ParsedInput } from '../../api/contract'
import { writeFileAtomic } from '../../util/atomic-write'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { resolveRun } from '../resolve'

/** The `tmu data generate` line that makes this Flying Digits set. */
function generateCommand(d: ParsedInput<'datasets.generate'>): string {
  const options = [
    ['digits', d.digitsPerClip],
    ['size', d.canvasSize],
    ['digit-size', d.digitSize],
    ['frames', d.clipLength],
    ['train', d.trainClips],
    ['val', d.valClips],
    ['test', d.testClips],
    ['seed', d.seed],
  ]
  return `tmu data generate "${d.name}" ${options.map(([k, v]) => `--${k} ${v}`).join(' ')}`
}

/** Commands about one trained model: its card, its weights for PyTorch, its place in the zoo. */
export function registerModel(program: Command) {
  addWorkspaceOption(
    program
      .command('card <run>')
      .description('write a model card: config, lineage, metrics table and per-frame curves')
      .option('-o, --out <file>', 'output file; .html for HTML, anything else Markdown'),
  ).action(async (ref: string, opts: WorkspaceOption & { out?: string }) => {
    await withWorkbench(opts, async (workbench) => {
      const run = await resolveRun(workbench, ref)
      const format = opts.out?.endsWith('.html') ? 'html' : 'markdown'
      const card = await workbench.call('runs.card', { id: run.id, format })
      const file = opts.out ?? card.fileName
      writeFileSync(file, card.content)
      out.line(`wrote ${file}`)
    })
  })

  addWorkspaceOption(
    program
      .command('export <run>')
      .description(
        "write the run's latest weights as safetensors in PyTorch layout ([out, in, kh, kw] kernels)",
      )
      .requiredOption('-o, --out <file>', 'output .safetensors file'),
  ).action(async (ref: string, opts: WorkspaceOption & { out: string }) => {
    await withWorkbench(opts, async (workbench) => {
      const run = await resolveRun(workbench, ref)
      const weights = await workbench.call('runs.export', { id: run.id })
      writeFileAtomic(opts.out, Buffer.from(weights.safetensorsBase64, 'base64'))
      out.line(`wrote ${opts.out} (iteration ${weights.iteration}, PyTorch layout)`)
    })
  })

  const zoo = program.command('zoo').description('the zoo of source models')
  addWorkspaceOption(zoo.command('list').description('list the source models')).action(
    async (opts: WorkspaceOption) => {
      await withWorkbench(opts, async (workbench) => {
        for (const m of await workbench.call('zoo.list', {})) {
          const { model } = m.run.config
          out.line(
            `${m.name.padEnd(36)} run ${String(m.run.id).padStart(4)}  ${model.cell} ${model.hidden.join('×')}  on ${m.run.datasetName ?? '—'}  test MSE ${m.run.test?.mse?.toFixed(2) ?? '—'}`,
          )
        }
      })
    },
  )
  addWorkspaceOption(
    zoo
      .command('add <run>')
      .description('add a completed run to the zoo')
      .requiredOption('--name <name>', 'zoo name'),
  ).action(async (ref: string, opts: WorkspaceOption & { name: string }) => {
    await withWorkbench(opts, async (workbench) => {
      const run = await resolveRun(workbench, ref)
      const member = await workbench.call('zoo.add', { runId: run.id, name: opts.name })
      out.line(`"${member.name}" is in the zoo (run ${run.id})`)
    })
  })

  addWorkspaceOption(
    zoo
      .command('builtin [names...]')
      .description(
        'the source models that ship with the workbench; name them (or "all") to add them to the zoo',
      ),
  ).action(async (names: string[], opts: WorkspaceOption) => {
    await withWorkbench(opts, async (workbench) => {
      const shipped = await workbench.call('zoo.builtIn', {})
      const wanted = names.includes('all') ? shipped.map((m) => m.name) : names
      for (const name of wanted) {
        const member = await workbench.call('zoo.addBuiltIn', { name })
        out.line(`"${member.name}" is in the zoo (run ${member.run.id})`)
      }
      if (wanted.length) return
      for (const m of shipped) {
        const added = m.runId === null ? 'not added' : `in the zoo as run ${m.runId}`
        out.line(
          `${m.name.padEnd(24)} ${m.description}; test MSE ${m.testMeans.mse?.toFixed(2) ?? '—'}, SSIM ${m.testMeans.ssim?.toFixed(3) ?? '—'}; ${added}`,
        )
        out.line(
          `${''.padEnd(24)} fits targets such as "${m.fitsTarget.name}": ${generateCommand(m.fitsTarget)}`,
        )
      }
    })
  })

  addWorkspaceOption(
    zoo
      .command('import <file>')
      .description('import a .safetensors source model (e.g. from PyTorch) into the zoo')
      .requiredOption('--name <name>', 'zoo name')
      .requiredOption(
        '--config <json>',
        'its ModelConfig as a JSON file (e.g. the one tmu export writes in the metadata)',
      )
      .option('--layout <layout>', 'pytorch ([out, in, kh, kw] kernels) or tfjs', 'pytorch'),
  ).action(
    async (
      file: string,
      opts: WorkspaceOption & { name: string; config: string; layout: string },
    ) => {
      const model = ModelConfig.parse(JSON.parse(readFileSync(opts.config, 'utf8')))
      const layout = opts.layout === 'tfjs' ? 'tfjs' : 'pytorch'
      await withWorkbench(opts, async (workbench) => {
        const member = await workbench.call('zoo.import', {
          name: opts.name,
          path: resolve(file),
          model,
          layout,
        })
        out.line(
          `"${member.name}" is in the zoo (run ${member.run.id}, ${model.cell} ${model.hidden.join('×')})`,
        )
      })
    },
  )
}
