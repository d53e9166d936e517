/** A throwaway primary and a streaming hot standby for the read-replica tests, from the same
 * PostgreSQL binaries as the suite's own cluster (pg-cluster.ts; as root, run as `postgres`):
 * initdb with wal_level=replica, a replication role and its pg_hba line; the standby copied by
 * `pg_basebackup -R` (standby.signal and primary_conninfo written by it) and started on a port of
 * its own. Both listen on unix sockets in their temp folders only; both are deleted at stop(). */
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { findBinDir, freePort } from './pg-cluster'

export interface PgNode {
  dataDir: string
  socketDir: string
  port: number
  urlFor(database: string): string
  /** pg_ctl start (again): after stop() of the server, same data, port and socket */
  start(): void
  /** pg_ctl stop -m fast: the server goes, its files stay */
  stopServer(): void
}

export interface ReplicatedPair {
  primary: PgNode
  /** Copies the primary as it is now into a new standby and starts it (call once). */
  makeStandby(): Promise<PgNode>
  standby: PgNode | null
  /** Stops both servers and deletes their folders. */
  stop(): void
}

export async function startReplicatedPair(): Promise<ReplicatedPair> {
  const bin = findBinDir()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-repl-'))
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    fs.chmodSync(root, 0o755)
    execFileSync('chown', ['postgres:postgres', root])
  }
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args
    const r = spawnSync(asRoot ? 'runuser' : path.join(bin, cmd), full, { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`)
    return r.stdout
  }
  const mkdir = (name: string) => {
    const d = path.join(root, name)
    fs.mkdirSync(d, { mode: 0o700 })
    if (asRoot) execFileSync('chown', ['postgres:postgres', d])
    return d
  }
  const node = (name: string, dataDir: string, socketDir: string, port: number): PgNode => {
    const opts = [
      `-c listen_addresses=''`, `-k ${socketDir}`, `-p ${port}`,
      '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=on',
      '-c max_connections=200', '-c shared_buffers=128MB', '-c max_wal_size=1GB',
      '-c wal_level=replica', '-c max_wal_senders=5', '-c hot_standby=on', '-c wal_receiver_status_interval=1s',
    ].join(' ')
    const start = () => run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', path.join(root, `${name}.log`), '-w', '-t', '60', 'start'])
    start()
    return {
      dataDir, socketDir, port,
      urlFor: (database) => `postgres://postgres@localhost/${database}?host=${encodeURIComponent(socketDir)}&port=${port}`,
      start,
      stopServer: () => { run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']) },
    }
  }

  const primaryData = path.join(mkdir('primary'), 'data')
  const primarySocket = mkdir('primary-socket')
  run('initdb', ['-D', primaryData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  // the replication role and the one line that lets it stream (over the unix socket only)
  fs.appendFileSync(path.join(primaryData, 'pg_hba.conf'), '\nlocal replication replicator trust\n')
  const primary = node('primary', primaryData, primarySocket, await freePort())
  run('psql', ['-h', primarySocket, '-p', String(primary.port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1',
    '-c', 'CREATE ROLE replicator WITH REPLICATION LOGIN'])

  const nodes: PgNode[] = [primary]
  const pair: ReplicatedPair = {
    primary,
    standby: null,
    async makeStandby() {
      const standbyData = path.join(mkdir('standby'), 'data')
      const standbySocket = mkdir('standby-socket')
      run('pg_basebackup', ['-h', primarySocket, '-p', String(primary.port), '-U', 'replicator', '-D', standbyData,
        '-R', '-X', 'stream', '-c', 'fast', '--no-sync'])
      const standby = node('standby', standbyData, standbySocket, await freePort())
      nodes.push(standby)
      pair.standby = standby
      return standby
    },
    stop() {
      try {
        for (const n of [...nodes].reverse()) {
          try {
            run('pg_ctl', ['-D', n.dataDir, '-m', 'immediate', '-w', 'stop'])
          } catch { /* already stopped */ }
        }
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    },
  }
  return pair
}
