/** A bench's timing client in a node process of its own, so the server's event loop and the
 * client's do not share a thread (the tiles and OGC benches both time this way). */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Runs a client script in a node process of its own, its input on stdin; returns what it prints. */
export function runNode<T>(args: string[], input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`benchmark client failed (${code}): ${err}`))))
    child.stdin.end(JSON.stringify(input))
  })
}
