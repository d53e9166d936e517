/** How long a test may take, derived from the work it does rather than from a quiet machine.
 *
 * Each long test states the time its work takes here on an idle 2-core machine (the slowest of a
 * few runs); the budget is that × SHARED_CORES. Developers and CI share the two cores: the suite
 * runs two test files at a time, and beside it may run other processes (two CPU-bound ones
 * stretched the suite's wall time about ×2.5). A test that overruns its budget is doing more work
 * than it says, or the machine is far busier than this allows for: either is worth a look. */
export const SHARED_CORES = 5

/** The timeout (ms) for work that takes `quietMs` on an idle machine; never below vitest's 60 s default. */
export function budget(quietMs: number): number {
  return Math.max(60_000, Math.ceil(quietMs * SHARED_CORES))
}

/** One browser test: a page, a sign-in and the steps of one story, each waiting for the map to be
 * idle; the longest (the quarterly report with its charts and print) takes 25 s on an idle machine. */
export const BROWSER_TEST_MS = budget(25_000)
