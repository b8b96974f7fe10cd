import type { EventName, EventPayload } from '../api/contract'

/** How a service announces a change; the transports fan it out to every client. */
export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void
