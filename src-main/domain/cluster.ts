import { z } from 'zod'

/**
 * Slurm's time formats (sbatch --time): minutes, minutes:seconds, hours:minutes:seconds,
 * days-hours, days-hours:minutes, days-hours:minutes:seconds, or no limit.
 */
const SLURM_TIME = /^(\d+(:\d{1,2}){0,2}|\d+-\d+(:\d{1,2}){0,2}|UNLIMITED|INFINITE)$/i

/**
 * How a run's sbatch job asks for resources (the workspace's settings; `tmu serve` and
 * `tmu study` flags set them too). Empty strings and null leave the cluster's defaults.
 */
export const SlurmSettings = z.object({
  partition: z.string().max(200).default(''),
  account: z.string().max(200).default(''),
  /** sbatch --time, e.g. `2:00:00` or `1-00:00:00`. */
  timeLimit: z
    .string()
    .max(40)
    .refine((t) => t === '' || SLURM_TIME.test(t), {
      message:
        'not a Slurm time: use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (e.g. 2:00:00)',
    })
    .default(''),
  /** sbatch --gres, e.g. `gpu:1` or `gpu:a100:2`. */
  gres: z.string().max(200).default(''),
  cpusPerTask: z.number().int().min(1).max(1024).nullable().default(null),
  /** sbatch --mem, e.g. `16G`. */
  memory: z
    .string()
    .max(40)
    .refine((m) => m === '' || /^\d+[KMGT]?$/i.test(m), {
      message: 'not a Slurm memory size: a number with an optional K, M, G or T (e.g. 16G)',
    })
    .default(''),
  /** Further sbatch options, one each (e.g. `--qos=long`, `--constraint=a100`). */
  extraOptions: z
    .array(
      z
        .string()
        .max(400)
        .regex(/^--?[A-Za-z]/, 'an sbatch option starts with - or --'),
    )
    .max(50)
    .default([]),
})
export type SlurmSettings = z.infer<typeof SlurmSettings>
