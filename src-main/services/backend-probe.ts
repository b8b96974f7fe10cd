import { probeBackendsInTrainer } from '../jobs/backend-probe-host'
import type { BackendProbe } from '../domain/backends'

/** The compute backends, in the order `auto` tries them, with why each does or does not load. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const attempts = await probeBackendsInTrainer()
  return attempts.map((a) => ({
    name: a.name,
    ok: a.ok,
    detail: a.ok ? (a.note ?? 'loads') : (a.error ?? 'unavailable'),
  }))
}
