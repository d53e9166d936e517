/** One interface, two encoders. Both run the same feature query (server/tiles/sql.ts); the PostGIS
 * encoder lets ST_AsMVT build the tile, the GeoJSON encoder builds it from the query's GeoJSON with
 * geojson-vt + vt-pbf, for the embedded PostGIS (PGlite), which is compiled without protobuf. */
import type { IDatabase } from 'pg-promise'
import pgPromise from 'pg-promise'
import geojsonvt from 'geojson-vt'
import { fromGeojsonVt } from 'vt-pbf'
import type { AttributeDef, LayerDef } from './layers'
import { tileQuery, type EncoderKind } from './sql'
import { BUFFER, EXTENT, unitMetres, type TileAddress } from './tile-math'

export type { EncoderKind } from './sql'

export interface TileEncoder {
  readonly kind: EncoderKind
  /** The tile as MVT bytes; an empty buffer when no feature falls in it. */
  encode(db: IDatabase<unknown>, tile: TileAddress, scope: string[] | null): Promise<Buffer>
  /** The SQL and the parameters it is run with (for the benchmark and for EXPLAIN). */
  readonly sql: string
  params(tile: TileAddress, scope: string[] | null): unknown[]
}

const EMPTY = Buffer.alloc(0)
let statementSeq = 0

abstract class BaseEncoder implements TileEncoder {
  abstract readonly kind: EncoderKind
  readonly sql: string
  /** A named prepared statement: parsed and planned once per connection. */
  protected readonly statement: pgPromise.PreparedStatement

  constructor(kind: EncoderKind, protected layer: LayerDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>) {
    this.sql = tileQuery(kind, layer, attrs, available)
    this.statement = new pgPromise.PreparedStatement({ name: `tile_${layer.id}_${kind}_${++statementSeq}`, text: this.sql })
  }

  params({ z, x, y }: TileAddress, scope: string[] | null): unknown[] {
    return [z, x, y, scope, this.layer.simplify * unitMetres(z)]
  }

  protected run(db: IDatabase<unknown>, tile: TileAddress, scope: string[] | null): Promise<Record<string, unknown>> {
    return db.one(this.statement, this.params(tile, scope))
  }

  abstract encode(db: IDatabase<unknown>, tile: TileAddress, scope: string[] | null): Promise<Buffer>
}

export class PostgisEncoder extends BaseEncoder {
  readonly kind = 'postgis' as const
  constructor(layer: LayerDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>) {
    super('postgis', layer, attrs, available)
  }

  async encode(db: IDatabase<unknown>, tile: TileAddress, scope: string[] | null): Promise<Buffer> {
    const row = await this.run(db, tile, scope)
    return (row.tile as Buffer | null) ?? EMPTY
  }
}

export class GeojsonEncoder extends BaseEncoder {
  readonly kind = 'geojson' as const
  constructor(layer: LayerDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>) {
    super('geojson', layer, attrs, available)
  }

  async encode(db: IDatabase<unknown>, tile: TileAddress, scope: string[] | null): Promise<Buffer> {
    const row = await this.run(db, tile, scope)
    return geojsonToMvt(this.layer.id, row.features as GeoJSON.Feature[], tile)
  }
}

/** One tile from GeoJSON (lon/lat) features: geojson-vt slices it exactly as ST_AsMVTGeom would
 * (same extent and buffer; no further simplification, the query has simplified by zoom already). */
export function geojsonToMvt(layerName: string, features: GeoJSON.Feature[], { z, x, y }: TileAddress): Buffer {
  if (features.length === 0) return EMPTY
  const index = new geojsonvt({ type: 'FeatureCollection', features }, {
    maxZoom: z, indexMaxZoom: 0, tolerance: 0, extent: EXTENT, buffer: BUFFER,
  })
  const tile = index.getTile(z, x, y)
  if (!tile || tile.features.length === 0) return EMPTY
  const bytes = fromGeojsonVt({ [layerName]: tile }, { version: 2, extent: EXTENT })
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function makeEncoder(kind: EncoderKind, layer: LayerDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>): TileEncoder {
  return kind === 'postgis' ? new PostgisEncoder(layer, attrs, available) : new GeojsonEncoder(layer, attrs, available)
}

/** Does this PostGIS build ST_AsMVT? PGlite's is compiled without protobuf-c and raises. */
export async function probeEncoder(db: IDatabase<unknown>): Promise<EncoderKind> {
  try {
    await db.one(`SELECT ST_AsMVT(t) AS tile FROM (SELECT 1 AS a, ST_AsMVTGeom(ST_Point(0, 0, 3857), ST_TileEnvelope(0, 0, 0)) AS g) t`)
    return 'postgis'
  } catch {
    return 'geojson'
  }
}
