/** Failed logins slow down, then lock, per account and per address (OWASP ASVS 2.2.1).
 *
 * After `delayAfter` failures in a row, each further attempt must wait a delay that doubles with
 * every failure (delaySeconds, 2×, 4×…); an attempt inside the delay is refused (429) without
 * its password being checked, and counts as a failure, so that hammering reaches the lock sooner.
 * At `lockAfter` failures the account is locked for `lockSeconds`: every attempt is refused, the
 * right password too, until the lock ends. An address has its own count over all accounts (any
 * names, known or not), locked at `addressLockAfter`, with delays from half of that. A success
 * clears the account's count, not the address's (one good account must not launder an address).
 *
 * Kept in the process: OneMap runs as one process, and a restart ends every delay and lock. */
import type { LoginSettings } from './config'

export interface Refusal {
  /** seconds until an attempt is taken again (Retry-After) */
  retryAfter: number
  /** a lock (true) or a delay between attempts */
  locked: boolean
  /** what is throttled */
  scope: 'account' | 'address'
}

interface Counter {
  failures: number
  /** no attempt is taken before this (ms since the epoch) */
  notBefore: number
  lockedUntil: number
  /** forgotten after this, when not locked */
  forgetAt: number
}

interface Limits { delayAfter: number; lockAfter: number }

/** Entries kept per map before the expired ones are swept (an address spraying names fills it). */
const MAX_ENTRIES = 50_000

class Counters {
  private entries = new Map<string, Counter>()
  constructor(private limits: Limits, private settings: LoginSettings, private now: () => number) {}

  refusal(key: string, scope: Refusal['scope']): Refusal | null {
    const c = this.current(key)
    if (!c) return null
    const t = this.now()
    if (c.lockedUntil > t) return { retryAfter: Math.ceil((c.lockedUntil - t) / 1000), locked: true, scope }
    if (c.notBefore > t) return { retryAfter: Math.ceil((c.notBefore - t) / 1000), locked: false, scope }
    return null
  }

  /** Counts a failure; true when it starts a lock. */
  fail(key: string): boolean {
    const t = this.now()
    const c = this.current(key) ?? { failures: 0, notBefore: 0, lockedUntil: 0, forgetAt: 0 }
    if (c.lockedUntil > t) return false // a lock is not extended by the attempts it refuses
    c.failures++
    const lockMs = this.settings.lockSeconds * 1000
    let locked = false
    if (c.failures >= this.limits.lockAfter) {
      c.lockedUntil = t + lockMs
      locked = true
    } else if (c.failures >= this.limits.delayAfter) {
      const delay = this.settings.delaySeconds * 1000 * 2 ** (c.failures - this.limits.delayAfter)
      c.notBefore = t + Math.min(delay, lockMs)
    }
    // a count is forgotten once nothing has happened for as long as a lock lasts
    c.forgetAt = Math.max(c.lockedUntil, c.notBefore, t) + lockMs
    this.put(key, c)
    return locked
  }

  clear(key: string): void {
    this.entries.delete(key)
  }

  private current(key: string): Counter | null {
    const c = this.entries.get(key)
    if (!c) return null
    const t = this.now()
    // a lock that has run out starts the count afresh
    if ((c.lockedUntil && c.lockedUntil <= t) || c.forgetAt <= t) {
      this.entries.delete(key)
      return null
    }
    return c
  }

  private put(key: string, c: Counter): void {
    if (this.entries.size >= MAX_ENTRIES && !this.entries.has(key)) {
      const t = this.now()
      for (const [k, v] of this.entries) if (v.lockedUntil <= t && v.forgetAt <= t) this.entries.delete(k)
      // still full: the oldest counts go (a Map iterates in insertion order)
      for (const k of this.entries.keys()) {
        if (this.entries.size < MAX_ENTRIES) break
        this.entries.delete(k)
      }
    }
    this.entries.set(key, c)
  }
}

export class LoginThrottle {
  private accounts: Counters
  private addresses: Counters

  constructor(settings: LoginSettings, now: () => number = Date.now) {
    this.accounts = new Counters({ delayAfter: settings.delayAfter, lockAfter: settings.lockAfter }, settings, now)
    this.addresses = new Counters(
      { delayAfter: Math.max(1, Math.ceil(settings.addressLockAfter / 2)), lockAfter: settings.addressLockAfter }, settings, now)
  }

  /** Whether an attempt may check its password now; a refusal says for how long not. */
  check(username: string, address: string): Refusal | null {
    return this.addresses.refusal(address, 'address') ?? this.accounts.refusal(username, 'account')
  }

  /** Counts a wrong password (or an unknown or inactive account); says which locks it started. */
  fail(username: string, address: string): { accountLocked: boolean; addressLocked: boolean } {
    return { accountLocked: this.accounts.fail(username), addressLocked: this.addresses.fail(address) }
  }

  /** Counts an attempt refused inside a delay against what refused it; true when that starts a lock. */
  refused(refusal: Refusal, username: string, address: string): boolean {
    return refusal.scope === 'account' ? this.accounts.fail(username) : this.addresses.fail(address)
  }

  succeed(username: string): void {
    this.accounts.clear(username)
  }
}
