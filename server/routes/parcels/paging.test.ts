/** Keyset paging over 100,000 parcels: following next_cursor returns each parcel exactly once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { budget } from '../../test/budget'
import { COUNTY_A, seedPlaces } from '../../test/land'

const N = 100_000
let t: TestApp

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.database.db)
  await t.database.db.tx(async (tx) => {
    // A bulk load: the event-log triggers are not what this test is about.
    await tx.none('SET LOCAL session_replication_role = replica')
    // md5 codes: the code order (the paging key) is unrelated to the insertion order
    await tx.none(`INSERT INTO parcel (code, county_code, cluster_code, stage, geom)
      SELECT 'G-' || md5(g::text), $1, 'luolong', 'supplied',
             ST_Multi(ST_MakeEnvelope(112.40 + (g % 400) * 0.0005, 34.55 + (g / 400) * 0.0005,
                                      112.40 + (g % 400) * 0.0005 + 0.0004, 34.55 + (g / 400) * 0.0005 + 0.0004, 4490))
        FROM generate_series(1, $2) AS g`, [COUNTY_A, N])
  })
  await t.database.db.none('ANALYZE parcel')
}, 300_000)
afterAll(async () => t.close())

describe('paging', () => {
  it(`returns each of ${N} parcels exactly once when following next_cursor`, async () => {
    const headers = await t.loginAs('surveyor', [COUNTY_A])
    const seen = new Set<string>()
    let previous = ''
    let cursor: string | null = null
    let pages = 0
    let first: { numberMatched: number | null } | null = null
    do {
      const url: string = `/api/parcels?limit=1000${cursor ? `&cursor=${cursor}` : ''}`
      const res = await t.app.inject({ url, headers })
      expect(res.statusCode, res.body).toBe(200)
      const page: { features: { id: string }[]; next_cursor: string | null; numberMatched: number | null } = res.json()
      first ??= page
      for (const f of page.features as { id: string }[]) {
        expect(f.id > previous, `${f.id} after ${previous}`).toBe(true)
        expect(seen.has(f.id)).toBe(false)
        seen.add(f.id)
        previous = f.id
      }
      cursor = page.next_cursor
      pages++
    } while (cursor)
    expect(seen.size).toBe(N)
    expect(pages).toBe(N / 1000)
    // more than the count cap: the total is not counted (not cheap), and says so with null
    expect(first!.numberMatched).toBeNull()
    const all = await t.database.db.one(`SELECT count(*)::int AS n FROM parcel WHERE code LIKE 'G-%'`)
    expect(all.n).toBe(N)
  }, budget(30_000)) // 100 000 parcels paged through, page by page: ~30 s on an idle machine
})
