/** The embedded database lives inside the server's process, so only that process can copy it
 * consistently. `npm run backup` asks it over a unix socket beside the data (mode 0600: only the
 * account that runs OneMap, or root, may connect), one JSON object per line: the request, then
 * progress events and the result. Who uses the data folder is the folder's lock's to say
 * (server/db/data-lock.ts, taken before PGlite opens it): a server holding it is the one that
 * listens here, so a socket file found at start is a dead server's, and the backup command asks
 * here only when the lock names a running server. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { BackupResult } from './backup'
import type { OnProgress, ProgressEvent } from './progress'

/** In the data folder, or in the temp folder when that path is too long for a unix socket. */
export function controlSocketPath(dataDir: string): string {
  const inside = path.join(path.resolve(dataDir), '.onemap-control.sock')
  if (Buffer.byteLength(inside) < 100) return inside
  return path.join(os.tmpdir(), `onemap-${crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}.sock`)
}

export type BackupHandler = (on: OnProgress) => Promise<BackupResult>

type Line = { event: ProgressEvent } | { result: BackupResult } | { error: string }

/** Connects, or null when no server listens there (no file, or one left by a dead process). */
function connect(socketPath: string): Promise<net.Socket | null> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath)
    s.once('connect', () => resolve(s))
    s.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') resolve(null)
      else reject(e)
    })
  })
}

export class ControlServer {
  private constructor(private server: net.Server, private socketPath: string) {}

  /** The caller holds the data folder's lock: a socket file there is left by a dead server. */
  static async listen(dataDir: string, backup: BackupHandler): Promise<ControlServer> {
    const socketPath = controlSocketPath(dataDir)
    fs.rmSync(socketPath, { force: true })
    const server = net.createServer((sock) => {
      let buffer = ''
      sock.setEncoding('utf8')
      const send = (l: Line) => { if (!sock.destroyed) sock.write(JSON.stringify(l) + '\n') }
      sock.on('error', () => undefined)
      sock.on('data', (d: string) => {
        buffer += d
        if (!buffer.includes('\n')) return
        const request = buffer.slice(0, buffer.indexOf('\n'))
        buffer = ''
        let command: unknown
        try {
          command = (JSON.parse(request) as { command?: unknown }).command
        } catch { /* answered below */ }
        if (command !== 'backup') {
          send({ error: `unknown request: ${request.slice(0, 80)}` })
          sock.end()
          return
        }
        backup((event) => send({ event }))
          .then((result) => send({ result }), (e: Error) => send({ error: e.message }))
          .finally(() => sock.end())
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(socketPath, () => resolve())
    })
    fs.chmodSync(socketPath, 0o600)
    return new ControlServer(server, socketPath)
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    fs.rmSync(this.socketPath, { force: true })
  }
}

/** Asks the server using dataDir for a backup; null when no server is running there. */
export async function requestBackup(dataDir: string, on: OnProgress): Promise<BackupResult | null> {
  const sock = await connect(controlSocketPath(dataDir))
  if (!sock) return null
  return new Promise((resolve, reject) => {
    let buffer = ''
    let settled = false
    sock.setEncoding('utf8')
    sock.on('data', (d: string) => {
      buffer += d
      let i: number
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, i)) as Line
        buffer = buffer.slice(i + 1)
        if ('event' in line) on(line.event)
        else if ('result' in line) { settled = true; resolve(line.result) }
        else { settled = true; reject(new Error(line.error)) }
      }
    })
    sock.on('error', (e) => { if (!settled) { settled = true; reject(e) } })
    sock.on('close', () => { if (!settled) reject(new Error('the server closed the connection before the backup finished (see its log)')) })
    sock.write(JSON.stringify({ command: 'backup' }) + '\n')
  })
}
