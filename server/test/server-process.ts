/** OneMap as a real process (server/main.ts in a child process, a real HTTP server), for the tests
 * of several processes over one database: started with settings of the test's own, waited for until
 * /api/health answers, signed in to over HTTP, and stopped at the end. */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect } from 'vitest'
import { freePort } from './pg-cluster'

const ROOT = path.resolve(import.meta.dirname, '../..')
// node --import tsx, as server/main.test.ts starts the server (why there)
const TSX_IMPORT = ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href]

export interface ServerProcess { name: string; child: ChildProcess; base: string; out: () => string }

/** Starts server/main.ts with `env` over the quiet defaults (no demo, no backups, no timed refresh
 * or scan, no second factor, warnings only) and returns once /api/health answers. */
export async function startServer(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort()
  let out = ''
  const child = spawn(process.execPath, [...TSX_IMPORT, path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ONEMAP_WEB_DIST: '/nonexistent',
      ONEMAP_BACKUP_AT: 'off', ONEMAP_DEMO: 'false', ONEMAP_TOTP_REQUIRED: 'false',
      ONEMAP_REFRESH_MINUTES: '0', ONEMAP_ALERT_SCAN_MINUTES: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const p = { name, child, base: `http://127.0.0.1:${port}`, out: () => out }
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${out}`)
    try {
      if ((await fetch(`${p.base}/api/health`)).ok) return p
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Sends `signal` to the process and waits until it has exited (at once if it already has). */
export async function killServer(p: ServerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  p.child.kill(signal)
  await new Promise((r) => (p.child.exitCode !== null || p.child.signalCode !== null ? r(null) : p.child.once('exit', r)))
}

/** Stops the processes and waits for each to exit. */
export async function stopServers(procs: ServerProcess[]): Promise<void> {
  for (const p of procs) await killServer(p)
}

/** Signs in over HTTP and returns the bearer header. */
export async function signIn(p: ServerProcess, username: string, password: string): Promise<Record<string, string>> {
  const res = await fetch(`${p.base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  })
  expect(res.status, await res.clone().text()).toBe(200)
  return { authorization: `Bearer ${(await res.json()).token}` }
}
