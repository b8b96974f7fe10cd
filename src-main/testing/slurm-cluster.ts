import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'

export interface SlurmCluster {
  /** The slurm.conf the clients must read (SLURM_CONF is set to it while the cluster runs). */
  conf: string
  /** The one compute node: this machine's short host name. */
  node: string
  /** Its partitions: `debug` (the default) and `other`. */
  partition: string
  /** Ends the daemons by their PIDs and removes the cluster's folder. */
  stop(): Promise<void>
}

const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const

/**
 * The reason Slurm tests cannot run here, or null: they need the Debian packages (slurmctld,
 * slurmd, slurm-client, munge; .ci/run installs them) and root (slurmd runs jobs as root).
 */
export function slurmUnavailable(): string | null {
  const missing = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch']
  const absent = missing.filter((f) => !existsSync(f))
  if (absent.length) return `the Slurm binaries are not installed (${absent.join(', ')})`
  if (process.getuid?.() !== 0) return 'a one-node Slurm cluster here needs root'
  return null
}

/**
 * A one-node Slurm cluster on this machine in a temp folder: its own munge key and socket,
 * ports of its own, no accounting (state comes from scontrol, as on clusters without
 * slurmdbd). It takes about 20 s to accept jobs. SLURM_CONF points the clients at it.
 */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-slurm-'))
  const node = hostname().split('.')[0]!
  const partition = 'debug'
  const munge = join(dir, 'munge')
  mkdirSync(munge, { mode: 0o700 })
  for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub))
  writeFileSync(join(munge, 'munge.key'), randomBytes(1024), { mode: 0o400 })
  const socket = join(munge, 'munge.socket')
  const [ctldPort, dPort] = [await freePort(), await freePort()]
  const conf = join(dir, 'slurm.conf')
  writeFileSync(
    conf,
    [
      'ClusterName=tmu-test',
      `SlurmctldHost=${node}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'MpiDefault=none',
      'ReturnToService=2',
      // Quick turns for tests: a finished job is settled and its node free again at once.
      'SchedulerParameters=sched_interval=2',
      'KillWait=20',
      'MinJobAge=600',
      `NodeName=${node} CPUs=2 RealMemory=4096 State=UNKNOWN`,
      `PartitionName=${partition} Nodes=ALL Default=YES MaxTime=INFINITE State=UP`,
      'PartitionName=other Nodes=ALL MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  )
  const env = { ...process.env, SLURM_CONF: conf }
  const log = (name: string) => join(dir, `${name}.out`)
  const pids: number[] = []
  const startDaemon = (command: string, args: string[]) => {
    const out = openLog(log(command.split('/').pop()!))
    const child = spawn(command, args, { env, stdio: ['ignore', out, out], detached: true })
    child.unref()
    if (child.pid) pids.push(child.pid)
  }
  const stop = async () => {
    for (const pid of pids.reverse()) signal(pid, 'SIGTERM')
    await waitUntil(() => pids.every((pid) => !alive(pid)), 15_000).catch(() => {
      for (const pid of pids) signal(pid, 'SIGKILL')
    })
    if (process.env.SLURM_CONF === conf) delete process.env.SLURM_CONF
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    // Foreground (-F / -D) so the PIDs are the daemons' own, ended by PID in stop().
    startDaemon('/usr/sbin/munged', [
      '-F',
      '--force',
      `--socket=${socket}`,
      `--key-file=${join(munge, 'munge.key')}`,
      `--pid-file=${join(munge, 'munged.pid')}`,
      `--log-file=${join(munge, 'munged.log')}`,
      `--seed-file=${join(munge, 'munged.seed')}`,
    ])
    await waitUntil(() => existsSync(socket), 10_000)
    startDaemon('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf])
    startDaemon('/usr/sbin/slurmd', ['-D', '-f', conf])
    await waitUntil(() => nodeIdle(env), 60_000)
  } catch (error) {
    const logs = DAEMONS.map((d) => `${d}: ${tail(log(d))}`).join('\n')
    await stop()
    throw new Error(`the test Slurm cluster did not start: ${(error as Error).message}\n${logs}`)
  }
  process.env.SLURM_CONF = conf
  return { conf, node, partition, stop }
}

function nodeIdle(env: NodeJS.ProcessEnv): boolean {
  try {
    // One line per partition the node is in.
    const states = execFileSync('sinfo', ['-h', '-N', '-o', '%T'], { env, stdio: 'pipe' })
    return states
      .toString()
      .trim()
      .split('\n')
      .every((state) => state === 'idle')
  } catch {
    return false
  }
}

function openLog(file: string): number {
  return openSync(file, 'a')
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ') : ''
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

async function waitUntil(ready: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs / 1000} s`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
