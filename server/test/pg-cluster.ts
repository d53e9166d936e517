/** A throwaway PostgreSQL cluster for tests: initdb into a temp dir, a free port, the unix
 * socket in the temp dir, run as the `postgres` OS user when we are root; stopped and deleted
 * after. Fails with what to install when the binaries are missing (the suite never skips). */
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export interface PgCluster {
  /** Connection URL of the `postgres` database, over the unix socket. */
  url: string
  urlFor(database: string): string
  /** The cluster's data directory (its postmaster.pid names the server's process). */
  dataDir: string
  stop(): void
}

export function findBinDir(): string {
  const explicit = process.env.PG_BIN
  if (explicit) return explicit
  const root = '/usr/lib/postgresql'
  const majors = fs.existsSync(root)
    ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : []
  for (const m of majors) {
    // Only a major whose PostGIS is installed is of any use.
    if (fs.readdirSync('/usr/share/postgresql/' + m + '/extension').some((f) => f.startsWith('postgis.control'))) {
      return path.join(root, m, 'bin')
    }
  }
  throw new Error(
    'No PostgreSQL with PostGIS found for the tests: apt-get install postgresql-15-postgis-3 (or set TEST_DATABASE_URL to a PostGIS server)',
  )
}

/** A TCP port free on the loopback address right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** The same server URL, pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = '/' + database
  return u.toString()
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = findBinDir()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-pg-'))
  const dataDir = path.join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    fs.chmodSync(dir, 0o755)
    execFileSync('chown', ['postgres:postgres', dir])
  }
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args
    const r = spawnSync(asRoot ? 'runuser' : path.join(bin, cmd), full, { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`)
  }
  const port = await freePort()
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  const opts = [
    `-c listen_addresses=''`, `-k ${dir}`, `-p ${port}`,
    '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off',
    '-c max_connections=200', '-c shared_buffers=256MB', '-c max_wal_size=2GB',
  ].join(' ')
  run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start'])
  const urlFor = (database: string) => `postgres://postgres@localhost/${database}?host=${encodeURIComponent(dir)}&port=${port}`
  let stopped = false
  return {
    url: urlFor('postgres'),
    urlFor,
    dataDir,
    stop() {
      if (stopped) return
      stopped = true
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
