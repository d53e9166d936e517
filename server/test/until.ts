/** Waiting in a test for a state another process or job reaches: never for a fixed time. */

/** Asks `fn` every `every` ms until it answers something truthy, and returns that; past `ms` it
 * throws, naming `what`. An error `fn` throws ends the wait, unless `retryErrors` (a server not
 * listening yet): then it is asked again. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>,
  { ms = 120_000, every = 50, retryErrors = false }: { ms?: number; every?: number; retryErrors?: boolean } = {}): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await (retryErrors ? fn().catch(() => null) : fn())
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, every))
  }
}
