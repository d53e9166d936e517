/** The tile cache on the embedded database (PGlite, `npm start`'s default): one process and no
 * LISTEN connection, so the watcher reads the event log every second, and a write whose writer did
 * not call invalidateTiles still drops the tiles it touched. */
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import type { App } from '../../app'
import type { Database } from '../../db/connect'
import { budget } from '../../test/budget'
import { openEmbeddedApp, type EmbeddedApp } from '../../test/embedded-app'
import { insertMapFixture, type MapFixture } from '../../test/tiles-fixture'
import { decodeTile } from '../../tiles/decode'
import { tileServices } from '../../tiles/service'

let embedded: EmbeddedApp<MapFixture>
let database: Database
let app: App
let fx: MapFixture

beforeAll(async () => {
  embedded = await openEmbeddedApp('onemap-embedded-tiles-', insertMapFixture)
  ;({ database, app, seeded: fx } = embedded)
}, budget(40_000))

afterAll(async () => {
  await embedded?.close()
})

it('polls the event log (no listener here) and drops the tiles a write touched', async () => {
  expect(database.mode).toBe('embedded')
  expect(app.signals).toBeNull()
  const auth = await embedded.signIn()
  const url = `/tiles/parcels/${fx.tile.z}/${fx.tile.x}/${fx.tile.y}.mvt`
  // whatever the fixture wrote before the app started is seen by a first poll
  const [service] = tileServices()
  await vi.waitFor(() => expect(service!.polls).toBeGreaterThan(0), { timeout: 5000, interval: 100 })
  await service!.syncEventLog()
  expect((await app.inject({ url, headers: auth })).headers['x-tile-cache']).toBe('miss')
  expect((await app.inject({ url, headers: auth })).headers['x-tile-cache']).toBe('hit')
  await database.db.none('UPDATE enterprise_year SET tax_paid_wan = 400 WHERE credit_code = $1 AND year = 2023', [fx.enterprise.credit_code])
  await vi.waitFor(async () => {
    const res = await app.inject({ url, headers: auth })
    expect(res.headers['x-tile-cache']).toBe('miss')
    const parcel = decodeTile(res.rawPayload).parcels!.features.find((f) => f.properties.code === fx.enterprise.parcel)!
    expect(parcel.properties.tax_wan).toBe(400)
  }, { timeout: 5000, interval: 200 })
}, budget(10_000))
