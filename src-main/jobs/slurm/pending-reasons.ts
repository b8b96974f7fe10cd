/**
 * Slurm's reasons for holding a job back (squeue's %r, scontrol's Reason=), in words a user
 * can act on. An unknown code is shown as Slurm says it.
 */
const REASONS: Record<string, string> = {
  None: 'waiting for the scheduler to look at it',
  Priority: 'other jobs in the partition have a higher priority and go first',
  Resources: 'waiting for nodes with the CPUs, memory or GPUs it asks for to free up',
  Dependency: 'waiting for the jobs it depends on (its source runs) to finish',
  DependencyNeverSatisfied: 'a job it depends on failed, so it can never start',
  BeginTime: 'waiting for its start time (a requeued job waits a moment before it starts again)',
  JobHeldUser: 'held by you (scontrol release lets it go)',
  JobHeldAdmin: 'held by an administrator',
  PartitionDown: 'its partition is down',
  PartitionInactive: 'its partition is inactive',
  PartitionNodeLimit: 'it asks for more nodes than the partition allows',
  PartitionTimeLimit: 'its time limit is longer than the partition allows',
  ReqNodeNotAvail: 'the nodes it needs are unavailable (down, drained or reserved)',
  NodeDown: 'a node it needs is down',
  Reservation: 'waiting for its reservation to start',
  QOSMaxJobsPerUserLimit:
    'you already run as many jobs as your QOS allows; it starts when one ends',
  QOSMaxSubmitJobPerUserLimit: 'you have as many jobs queued as your QOS allows',
  QOSMaxCpuPerUserLimit: 'your running jobs use all the CPUs your QOS allows',
  QOSMaxGRESPerUser: 'your running jobs use all the GPUs your QOS allows',
  QOSGrpCpuLimit: 'your group uses all the CPUs its QOS allows',
  QOSGrpGRES: 'your group uses all the GPUs its QOS allows',
  AssocMaxJobsLimit: 'your account runs as many jobs as it may; it starts when one ends',
  AssocGrpCpuLimit: 'your account uses all the CPUs it may',
  AssocGrpGRES: 'your account uses all the GPUs it may',
  InvalidAccount: 'the account is not valid on this cluster (Settings → Slurm → account)',
  InvalidQOS: 'the QOS is not valid for your account',
  launch_failed_requeued_held: 'it failed to launch on its node and is held',
}

export function pendingReasonInWords(code: string): string {
  const words = REASONS[code]
  return words ? `${code}: ${words}` : code
}
