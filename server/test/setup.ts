/** Runs around every test file (vitest setupFiles). */
import { afterEach } from 'vitest'
import { violations } from './response-schemas'

// An answer that does not match its route's published response schema fails the test that got it.
afterEach(() => {
  if (violations.length === 0) return
  const seen = violations.splice(0)
  throw new Error(`answers that do not match their route's response schema (OpenAPI):\n${[...new Set(seen)].join('\n')}`)
})
