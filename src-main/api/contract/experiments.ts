import { z } from 'zod'

export const ExperimentId = z.number().int().positive()
export type ExperimentId = z.infer<typeof ExperimentId>

/** Where a run created without an experiment goes (made on first use). */
export const DEFAULT_EXPERIMENT_NAME = 'My runs'

// Plain-words messages come from plain-messages.ts ("must not be empty"), after the field's name.
const Name = z.string().trim().min(1).max(200)
const Tag = z.string().trim().min(1).max(50)

export const Experiment = z.object({
  id: ExperimentId,
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  runCount: z.number().int(),
})
export type Experiment = z.infer<typeof Experiment>

export const CreateExperimentInput = z.object({
  name: Name,
  description: z.string().max(10_000).default(''),
  tags: z.array(Tag).max(50).default([]),
})

export const UpdateExperimentInput = z.object({
  id: ExperimentId,
  name: Name.optional(),
  description: z.string().max(10_000).optional(),
  tags: z.array(Tag).max(50).optional(),
  archived: z.boolean().optional(),
})

export const ListExperimentsInput = z.object({
  includeArchived: z.boolean().default(false),
})
