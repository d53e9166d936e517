/** The one write guard for sensitive values (DOMAIN.md "Governance"): guard_sensitive_write() in
 * SQL, reached through guardSensitiveWrite() in the transaction whose writer setActor() named. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { guardSensitiveWrite, setActor, type Writer } from './actor'
import { systemViewer, viewerFor } from './viewer'
import type { User } from './repos/users'
import { HttpError } from '../errors'

let t: TestDatabase
beforeAll(async () => { t = await createTestDatabase() })
afterAll(async () => t?.drop())

const user = (role: User['role']) => ({ id: 1, username: `${role}.g`, role, county_scope: ['410311'] }) as unknown as User
const SENSITIVE_ROLES = ['admin', 'analyst'] as const

/** What the guard answers for a value written by this writer: 'ok', or the field it refuses. */
async function guard(writer: Writer | null, value: object, o?: { dropNulls?: boolean }): Promise<string> {
  return t.db.tx(async (tx) => {
    if (writer !== null) await setActor(tx, writer, 'guard test')
    try {
      await guardSensitiveWrite(tx, value, o)
      return 'ok'
    } catch (e) {
      if (e instanceof HttpError && e.statusCode === 403) return (e.detail as { field: string }).field
      throw e
    }
  })
}

describe('the sensitive write guard', () => {
  it('refuses a writer who may not see a sensitive value, naming the field, measured values included', async () => {
    const surveyor = viewerFor(user('surveyor'), [...SENSITIVE_ROLES])
    expect(surveyor.sensitive).toBe(false)
    expect(await guard(surveyor, { price_wan: 12 })).toBe('price_wan')
    expect(await guard(surveyor, { note: 'x', measured: { plot_ratio: 1.2, tax_per_mu: 3 } })).toBe('measured.tax_per_mu')
    expect(await guard(surveyor, { price_wan: null })).toBe('price_wan')
    expect(await guard(surveyor, { price_wan: null, land_use: 'M1' }, { dropNulls: true })).toBe('ok')
    expect(await guard(surveyor, { land_use: 'M1', measured: { plot_ratio: 1.2 } })).toBe('ok')
    // a user named by a string alone is not trusted (fail closed)
    expect(await guard('user:someone', { tax_paid_wan: 1 })).toBe('tax_paid_wan')
  })

  it('lets sensitive roles and system writers write them, and every key of sensitive_keys() is guarded', async () => {
    const analyst = viewerFor(user('analyst'), [...SENSITIVE_ROLES])
    expect(await guard(analyst, { price_wan: 12, measured: { tax_per_mu: 3 } })).toBe('ok')
    expect(await guard(systemViewer('system:scheduler'), { output_wan: 1 })).toBe('ok')
    expect(await guard('cli:import', { output_wan: 1 })).toBe('ok')
    const keys: string[] = (await t.db.one('SELECT sensitive_keys() AS k')).k
    expect(keys.length).toBeGreaterThan(10)
    const surveyor = viewerFor(user('surveyor'), [...SENSITIVE_ROLES])
    for (const k of keys) expect(await guard(surveyor, { [k]: 1 })).toBe(k)
  })
})
