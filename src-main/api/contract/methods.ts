import { z } from 'zod'
import {
  CreateExperimentInput,
  Experiment,
  ExperimentId,
  ListExperimentsInput,
  UpdateExperimentInput,
} from './experiments'
import { Run } from './runs'
import { DoctorReport, SystemInfo } from './system'

export interface MethodSpec {
  input: z.ZodType
  output: z.ZodType
}

const Empty = z.object({})

/** Every request the workbench answers, by name; both transports and the CLI go through it. */
export const methods = {
  'system.info': { input: Empty, output: SystemInfo },
  'system.doctor': { input: Empty, output: DoctorReport },
  'experiments.list': { input: ListExperimentsInput, output: z.array(Experiment) },
  'experiments.get': { input: z.object({ id: ExperimentId }), output: Experiment },
  'experiments.create': { input: CreateExperimentInput, output: Experiment },
  'experiments.update': { input: UpdateExperimentInput, output: Experiment },
  'experiments.delete': { input: z.object({ id: ExperimentId }), output: z.null() },
  'experiments.restore': { input: z.object({ id: ExperimentId }), output: Experiment },
  'runs.list': { input: z.object({ experimentId: ExperimentId.optional() }), output: z.array(Run) },
} satisfies Record<string, MethodSpec>

export type Method = keyof typeof methods
export type Input<M extends Method> = z.input<(typeof methods)[M]['input']>
export type ParsedInput<M extends Method> = z.output<(typeof methods)[M]['input']>
export type Output<M extends Method> = z.output<(typeof methods)[M]['output']>

/** Events the main side pushes to every connected client. */
export const events = {
  'experiments.changed': z.object({ id: ExperimentId.nullable() }),
} satisfies Record<string, z.ZodType>

export type EventName = keyof typeof events
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

export function isMethod(name: string): name is Method {
  return Object.hasOwn(methods, name)
}
