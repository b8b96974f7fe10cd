/** The single IPC channel the workbench API travels on, both directions. */
export const IPC_CHANNEL = 'tmu:api'
