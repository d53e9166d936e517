/** Request and response schemas of /ogc (published in the OpenAPI document at /docs; the OGC's
 * own document is /ogc/api, server/ogc/openapi.ts). */
import { Type } from '@sinclair/typebox'

export const MAX_ITEMS_LIMIT = 10_000

export const ItemsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ITEMS_LIMIT, description: `features per page (default 100, at most ${MAX_ITEMS_LIMIT})` })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'skip this many features (for clients that page by offset; the next links page by cursor)' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'the position after the previous page (from its next link)' })),
  bbox: Type.Optional(Type.String({ minLength: 7, maxLength: 400, description: 'minx,miny,maxx,maxy in the axis order of bbox-crs (default CRS84: minLon,minLat,maxLon,maxLat)' })),
  'bbox-crs': Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the CRS of bbox (a URI of the collection\'s crs list; default CRS84)' })),
  crs: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the CRS of the geometries (a URI of the collection\'s crs list; default CRS84)' })),
  f: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('geojson')], { description: 'the format: GeoJSON (the only one)' })),
  // Part 1 core: every items operation takes datetime; no collection declares a temporal
  // property (none has a temporal extent), so it selects every feature
  datetime: Type.Optional(Type.String({ minLength: 2, maxLength: 100, pattern: '^(\\.\\.|\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?)?(/(\\.\\.|\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?)?)?$', description: 'an instant or an interval (RFC 3339); accepted and ignored: no collection has a temporal property' })),
  filter: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384, description: 'a CQL2 text filter over the collection\'s queryables, e.g. code LIKE \'LL-%\' AND area_m2 > 1000' })),
  'filter-lang': Type.Optional(Type.Union([Type.Literal('cql2-text'), Type.Literal('cql-text')], { description: 'cql2-text (the default; cql-text, as GDAL sends it, is the same)' })),
  'filter-crs': Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the CRS of the filter\'s geometries, in its axis order (default CRS84)' })),
}, { additionalProperties: false })

/** A JSON Schema document (its $schema and $id members are not declared here: the OpenAPI
 * generator would take a declared `$id` for a schema of its own). */
export const QueryablesAnswer = Type.Object({
  type: Type.Literal('object'),
  title: Type.String(),
  properties: Type.Record(Type.String(), Type.Object({ title: Type.String() }, { additionalProperties: true })),
  additionalProperties: Type.Boolean(),
  queryables: Type.Array(Type.Object({ id: Type.String() }), { description: 'the names again, as GDAL reads them (not in the standard)' }),
}, { additionalProperties: true })

const Link = Type.Object({
  href: Type.String(),
  rel: Type.String(),
  type: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
})
const Links = Type.Array(Link)

export const LandingAnswer = Type.Object({ title: Type.String(), description: Type.String(), links: Links })
export const ConformanceAnswer = Type.Object({ conformsTo: Type.Array(Type.String()) })
export const OpenApiAnswer = Type.Object({ openapi: Type.String(), paths: Type.Object({}) }, { additionalProperties: true })

export const CollectionAnswer = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  itemType: Type.Literal('feature'),
  extent: Type.Optional(Type.Object({
    spatial: Type.Object({ bbox: Type.Array(Type.Array(Type.Number(), { minItems: 4, maxItems: 4 })), crs: Type.String() }),
  })),
  crs: Type.Array(Type.String()),
  storageCrs: Type.String(),
  links: Links,
})

export const CollectionsAnswer = Type.Object({ links: Links, crs: Type.Array(Type.String()), collections: Type.Array(CollectionAnswer) })

const Geometry = Type.Union([
  Type.Object({ type: Type.String(), coordinates: Type.Array(Type.Unknown()) }),
  Type.Null(),
])

export const FeatureAnswer = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.Union([Type.Integer(), Type.String()]),
  geometry: Geometry,
  properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  links: Type.Optional(Links),
}, { description: 'application/geo+json' })

export const FeatureCollectionAnswer = Type.Object({
  type: Type.Literal('FeatureCollection'),
  numberMatched: Type.Integer({ minimum: 0 }),
  numberReturned: Type.Integer({ minimum: 0 }),
  timeStamp: Type.String({ format: 'date-time' }),
  links: Links,
  features: Type.Array(FeatureAnswer),
}, { description: 'application/geo+json' })
