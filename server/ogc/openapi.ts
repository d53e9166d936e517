/** The OpenAPI 3.0 document of /ogc (rel service-desc of the landing page): what OGC clients read
 * to learn the parameters. GDAL reads the `limit` bounds only from a $ref'd parameter under the
 * literal path /collections/<id>/items, so each collection the caller may read has its own path. */
import type { CollectionDef } from './collections'
import { CRS_URIS } from './crs'
import { MAX_ITEMS_LIMIT } from './schemas'

export function ogcOpenApi(root: string, collections: readonly CollectionDef[]): Record<string, unknown> {
  const json = (description: string, type = 'application/json') => ({ description, content: { [type]: { schema: { type: 'object' } } } })
  const paths: Record<string, unknown> = {
    '/': { get: { summary: 'landing page', operationId: 'getLandingPage', responses: { 200: json('the landing page') } } },
    '/conformance': { get: { summary: 'conformance classes', operationId: 'getConformance', responses: { 200: json('the conformance classes') } } },
    '/collections': { get: { summary: 'collections', operationId: 'getCollections', responses: { 200: json('the collections this caller may read') } } },
  }
  const itemParams = ['limit', 'offset', 'cursor', 'bbox', 'bbox-crs', 'crs', 'f', 'datetime', 'filter', 'filter-lang', 'filter-crs'].map((p) => ({ $ref: `#/components/parameters/${p}` }))
  for (const c of collections) {
    paths[`/collections/${c.id}`] = { get: { summary: c.title, operationId: `describe_${c.id}`, responses: { 200: json(c.description) } } }
    paths[`/collections/${c.id}/items`] = {
      get: { summary: `${c.title}：要素 / features`, operationId: `getFeatures_${c.id}`, parameters: itemParams, responses: { 200: json('a page of features', 'application/geo+json'), 400: json('a parameter is wrong (named in the message)'), 404: json('no such collection for this caller') } },
    }
    paths[`/collections/${c.id}/queryables`] = { get: { summary: `${c.title}：可查询属性 / queryables`, operationId: `getQueryables_${c.id}`, responses: { 200: json('the queryables (JSON Schema)') } } }
    paths[`/collections/${c.id}/items/{featureId}`] = {
      get: {
        summary: `${c.title}：一个要素 / one feature`, operationId: `getFeature_${c.id}`,
        parameters: [{ name: 'featureId', in: 'path', required: true, schema: { type: 'string' } }, { $ref: '#/components/parameters/crs' }],
        responses: { 200: json('the feature', 'application/geo+json'), 404: json('no such feature for this caller') },
      },
    }
  }
  const crsParam = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string', format: 'uri', enum: CRS_URIS } })
  return {
    openapi: '3.0.3',
    info: { title: 'OneMap OGC API – Features', version: '1.0.0', description: '产业集聚区用地提质增效一张图 / OneMap: sign in with a personal access token (Authorization: Bearer, or HTTP Basic with your user name and the token as password)' },
    servers: [{ url: root }],
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } },
      parameters: {
        limit: { name: 'limit', in: 'query', required: false, style: 'form', explode: false, schema: { type: 'integer', minimum: 1, maximum: MAX_ITEMS_LIMIT, default: 100 } },
        offset: { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 1_000_000 } },
        cursor: { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
        bbox: { name: 'bbox', in: 'query', required: false, style: 'form', explode: false, schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } } },
        'bbox-crs': crsParam('bbox-crs', 'the CRS of bbox (default CRS84)'),
        crs: crsParam('crs', 'the CRS of the geometries (default CRS84)'),
        f: { name: 'f', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'geojson'] } },
        datetime: { name: 'datetime', in: 'query', required: false, description: 'accepted and ignored: no collection has a temporal property', schema: { type: 'string' } },
        filter: { name: 'filter', in: 'query', required: false, description: 'CQL2 text over the queryables', schema: { type: 'string' } },
        // GDAL pushes a -where down only when this enum lists cql-text
        'filter-lang': { name: 'filter-lang', in: 'query', required: false, schema: { type: 'string', enum: ['cql2-text', 'cql-text'], default: 'cql2-text' } },
        'filter-crs': crsParam('filter-crs', 'the CRS of the filter\'s geometries (default CRS84)'),
      },
    },
    security: [{}, { token: [] }, { basic: [] }],
    paths,
  }
}
