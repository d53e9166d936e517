/** Vector tiles (MVT) and TileJSON for the map: GET /tiles/{layer}/{z}/{x}/{y}.mvt,
 * GET /tiles/{layer}.json, and GET /tiles (the layers this caller may read). */
import { CODE_LABELS } from '../../labels/codes'
import { mapStyle } from '../../styles/style-json'
import { layerQml, QML_LAYER_IDS } from '../../styles/qml'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { HttpError, notFound } from '../../errors'
import { FileAnswer, MEDIA } from '../../schemas/common'
import { LAYERS, TileService, findLayer, mayRead, visibleAttributes, type LayerDef } from '../../tiles'
import { isValidTile } from '../../tiles/tile-math'
import { publicBase } from '../../public-url'

export const TILE_MESSAGES = {
  unavailable: (id: string, relation: string) =>
    `图层 ${id} 暂不可用：分析结果 ${relation} 尚未生成 / layer ${id} is not available until the analysis engine provides ${relation}`,
  signIn: (id: string) => `请先登录后查看图层 ${id} / log in to see the layer ${id}`,
  noStyle: (id: string, ids: string[]) => `图层 ${id} 没有 QGIS 样式（有样式的图层：${ids.join('、')}）/ no QGIS style for the layer ${id} (styled: ${ids.join(', ')})`,
  badTile: (z: number, x: number, y: number) => `瓦片编号无效 / no tile ${z}/${x}/${y}: x and y must be below 2^z`,
  zoom: (id: string, min: number, max: number, z: number) =>
    `图层 ${id} 仅提供 ${min}–${max} 级瓦片 / layer ${id} has tiles for zoom ${min}–${max}, not ${z}`,
} as const

const LayerParam = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' })

export interface TileRouteOptions {
  /** A service built by the caller (tests forcing an encoder); by default one is built here. */
  service?: TileService
}

const routes: FastifyPluginAsyncTypebox<TileRouteOptions> = async (app, opts) => {
  const service = opts.service ?? await TileService.create(app.db, {
    sensitiveRoles: app.config.sensitiveRoles,
    // the watcher catches writes whose writer did not call invalidateTiles: on a server, the
    // event log's NOTIFY (server/signals.ts) does it at each commit, so the log is polled only
    // while this process's listener is down; the embedded database has no listener and polls
    watchMs: 1000,
    ...(app.signals ? { pollWhile: () => !app.signals!.stats.listening } : {}),
    // tiles are encoded on a standby when there are some (server/db/replicas.ts)
    ...(app.database.replicas ? { readDb: (fence: string | null) => app.database.replicas!.forRead(fence) } : {}),
    // the first overview tiles of a view first, rather than all of them sharing the cores
    maxQueries: app.config.tileQueries,
  })
  app.addHook('onClose', async () => service.close())
  app.log.info({ encoder: service.encoderKind, optional: [...service.available] }, 'tile service ready')

  /** The layer, if this caller may read it; else the error to answer with. Access depends on the
   * layer, so the routes are declared public and the layer decides (clusters and plan zones are
   * public; the land itself needs a login). */
  function readable(request: FastifyRequest, id: string): LayerDef {
    const layer = findLayer(id)
    if (!layer) throw notFound('图层 layer', id)
    if (!service.isAvailable(layer)) throw new HttpError(404, 'layer_unavailable', TILE_MESSAGES.unavailable(layer.id, layer.requires!))
    if (!mayRead(layer, request.user?.role ?? null)) throw new HttpError(401, 'unauthenticated', TILE_MESSAGES.signIn(layer.id))
    return layer
  }

  const overviewFields = (layer: LayerDef, fields: Record<string, string>) =>
    layer.attributes.filter((a) => a.overview && a.name in fields).map((a) => a.name)
  const overviewNote = (layer: LayerDef, fields: Record<string, string>) => layer.detailMinzoom === undefined ? ''
    : `（${layer.detailMinzoom}级以下的瓦片只含${overviewFields(layer, fields).map((n) => fields[n]).join('、')}）`

  function describe(layer: LayerDef, request: FastifyRequest) {
    const attrs = visibleAttributes(layer, request.user?.role ?? null, app.config.sensitiveRoles)
    return {
      id: layer.id,
      title: layer.title,
      kind: layer.kind,
      minzoom: layer.minzoom,
      maxzoom: layer.maxzoom,
      promoteId: layer.promoteId ?? null,
      fields: Object.fromEntries(attrs.map((a) => [a.name, a.title])),
      fieldTypes: Object.fromEntries(attrs.map((a) => [a.name, a.type])),
      // the Chinese label of each coded value (server/labels/, the words the web map shows)
      valueLabels: Object.fromEntries(attrs.filter((a) => a.values).map((a) => [a.name, CODE_LABELS[a.values!] as Record<string, string>])),
    }
  }

  app.get('/', {
    config: { access: 'public' },
    schema: { tags: ['tiles'], summary: '图层目录 / the tile layers this caller may read' },
  }, async (request) => ({
    encoder: service.encoderKind,
    layers: LAYERS.filter((l) => mayRead(l, request.user?.role ?? null)).map((l) => ({
      ...describe(l, request),
      available: service.isAvailable(l),
    })),
  }))

  app.get('/style.json', {
    config: { access: 'public' },
    schema: {
      tags: ['tiles'],
      summary: 'MapLibre 样式（style.json）/ the one map as a MapLibre style for outside clients: the web map\'s layers, colours and Chinese labels over the TileJSON of the layers this caller may read',
      response: {
        200: Type.Object({
          version: Type.Literal(8), name: Type.String(), metadata: Type.Record(Type.String(), Type.Unknown()),
          center: Type.Array(Type.Number()), zoom: Type.Number(),
          sources: Type.Record(Type.String(), Type.Object({ type: Type.Literal('vector'), url: Type.String() })),
          layers: Type.Array(Type.Record(Type.String(), Type.Unknown())),
        }),
      },
    },
  }, async (request) => mapStyle(`${request.protocol}://${request.host}`, (id) => {
    const layer = findLayer(id)
    return !!layer && service.isAvailable(layer) && mayRead(layer, request.user?.role ?? null)
  }))

  app.get('/:layer/style.qml', {
    config: { access: 'public' },
    schema: {
      tags: ['tiles'],
      summary: 'QGIS 图层样式（.qml）/ a QGIS style of a land layer: the web map\'s classes, colours and Chinese labels (parcels, plan_zones)',
      params: Type.Object({ layer: LayerParam }),
      response: { 200: FileAnswer([MEDIA.qml], 'a QGIS layer style (QGIS 3.22 .qml)') },
    },
  }, async (request, reply) => {
    const layer = readable(request, request.params.layer)
    const qml = layerQml(layer.id)
    if (!qml) throw new HttpError(404, 'no_style', TILE_MESSAGES.noStyle(layer.id, QML_LAYER_IDS))
    return reply.type(`${MEDIA.qml}; charset=utf-8`).header('content-disposition', `attachment; filename="${layer.id}.qml"`).send(qml)
  })

  app.get('/:layer.json', {
    config: { access: 'public' },
    schema: {
      tags: ['tiles'], summary: 'TileJSON 3.0 of a layer, with the fields this caller may see',
      params: Type.Object({ layer: LayerParam }),
    },
  }, async (request) => {
    const layer = readable(request, request.params.layer)
    const d = describe(layer, request)
    const bounds: (number | null)[] | null = await app.db.one(
      'SELECT ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)]::float8[] AS b FROM (SELECT ST_Extent(boundary) AS b FROM cluster) x',
      [], (r: { b: (number | null)[] | null }) => r.b,
    )
    const base = publicBase(app, request)
    return {
      tilejson: '3.0.0',
      name: layer.id,
      description: layer.title,
      scheme: 'xyz',
      tiles: [`${base}/tiles/${layer.id}/{z}/{x}/{y}.mvt`],
      minzoom: layer.minzoom,
      maxzoom: layer.maxzoom,
      ...(bounds && bounds.every((v) => v !== null) ? { bounds } : {}),
      vector_layers: [{ id: layer.id, description: layer.title + overviewNote(layer, d.fields), minzoom: layer.minzoom, maxzoom: layer.maxzoom, fields: d.fields }],
      'x-onemap': {
        encoder: service.encoderKind, kind: d.kind, promoteId: d.promoteId, fieldTypes: d.fieldTypes, valueLabels: d.valueLabels,
        // below this zoom the tiles carry only these fields (server/tiles/layer-def.ts detailMinzoom)
        ...(layer.detailMinzoom === undefined ? {} : { detailMinzoom: layer.detailMinzoom, overviewFields: overviewFields(layer, d.fields) }),
      },
    }
  })

  app.get('/:layer/:z/:x/:y.mvt', {
    config: { access: 'public' },
    schema: {
      tags: ['tiles'], summary: '矢量瓦片 / one Mapbox Vector Tile, with the attributes of the caller\'s role',
      params: Type.Object({
        layer: LayerParam,
        z: Type.Integer({ minimum: 0, maximum: 24 }),
        x: Type.Integer({ minimum: 0, maximum: 2 ** 24 - 1 }),
        y: Type.Integer({ minimum: 0, maximum: 2 ** 24 - 1 }),
      }),
      response: {
        200: FileAnswer([MEDIA.mvt], 'a Mapbox vector tile (Content-Encoding: gzip when asked for and ready)'),
        204: Type.Null({ description: 'no feature of the layer in this tile' }),
        304: Type.Null({ description: 'the tile is the one of If-None-Match' }),
      },
    },
  }, async (request, reply) => {
    const { z, x, y } = request.params
    const layer = readable(request, request.params.layer)
    if (!isValidTile({ z, x, y })) throw new HttpError(400, 'invalid_tile', TILE_MESSAGES.badTile(z, x, y))
    if (z < layer.minzoom || z > layer.maxzoom) throw new HttpError(404, 'zoom_out_of_range', TILE_MESSAGES.zoom(layer.id, layer.minzoom, layer.maxzoom, z))
    const tile = await service.tile(layer, { z, x, y }, request.viewer)
    // The content depends on who asks (role, county scope): a shared cache must key on the token.
    reply.header('vary', 'Authorization, Accept-Encoding')
    reply.header('cache-control', `${request.headers.authorization ? 'private' : 'public'}, no-cache`)
    reply.header('x-tile-cache', tile.cache)
    if (tile.body.length === 0) {
      reply.header('etag', tile.etag)
      return reply.code(204).send(null)
    }
    const gzip = tile.gzip && acceptsGzip(request.headers['accept-encoding'])
    reply.header('etag', gzip ? tile.gzipEtag : tile.etag)
    const seen = request.headers['if-none-match']
    if (seen === tile.etag || seen === tile.gzipEtag) return reply.code(304).send(null)
    reply.type('application/vnd.mapbox-vector-tile')
    if (!gzip) return reply.send(tile.body)
    return reply.header('content-encoding', 'gzip').send(tile.gzip)
  })
}
export default routes

/** Whether an Accept-Encoding header takes gzip with a quality above 0 (RFC 9110 §12.5.3): named
 * itself, or through `*` when not named. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false
  let star = false
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase())
    const q = params.find((p) => p.startsWith('q='))
    const wanted = !q || Number(q.slice(2)) > 0
    if (name === 'gzip' || name === 'x-gzip') return wanted
    if (name === '*') star = wanted
  }
  return star
}
