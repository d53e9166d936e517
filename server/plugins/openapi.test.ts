import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import SwaggerParser from '@apidevtools/swagger-parser'
import { createTestApp, type TestApp } from '../test/app'
import type { Access } from './auth'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
/** The config.access of the route behind an operation ("get", "/api/parcels/{code}"). */
function accessOf(method: string, path: string): Access {
  const url = path.replace(/\{([^}]+)\}/g, ':$1')
  // a plugin's '/' route is registered as its prefix, with and without the slash
  const a = t.app.routeAccess.get(`${method.toUpperCase()} ${url}`) ?? t.app.routeAccess.get(`${method.toUpperCase()} ${url.replace(/\/$/, '')}`)
  expect(a, `${method} ${path} is a route with a declared access`).toBeDefined()
  return a!
}
afterAll(async () => t.close())

interface Operation { responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }> }
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> }

const document = async (): Promise<Document> => {
  const res = await t.app.inject({ method: 'GET', url: '/docs/json' })
  expect(res.statusCode).toBe(200)
  return res.json()
}

/** The properties of an operation's JSON answer for a status, as the document publishes them. */
function answer(doc: Document, method: string, path: string, status: string): Record<string, unknown> {
  const op = doc.paths[path]?.[method]
  expect(op, `${method.toUpperCase()} ${path} is in the document`).toBeDefined()
  const content = op!.responses?.[status]?.content ?? {}
  const schema = Object.values(content)[0]?.schema
  expect(schema?.properties, `${method.toUpperCase()} ${path} → ${status} has a described answer`).toBeDefined()
  return schema!.properties!
}

describe('the OpenAPI document (/docs)', () => {
  it('describes the answer of every read and edit of the card, the file, the ledger, contracts, enterprises and batches, alerts, standard land, per-mu figures and the public lists', async () => {
    const doc = await document()
    expect(doc.openapi).toMatch(/^3\./)
    const described: [string, string, string, string[]][] = [
      ['get', '/api/parcels/', '200', ['type', 'numberMatched', 'next_cursor', 'features']],
      ['get', '/api/parcels/{code}', '200', ['type', 'id', 'geometry', 'properties']],
      ['patch', '/api/parcels/{code}', '200', ['properties']],
      ['delete', '/api/parcels/{code}', '200', ['properties']],
      ['get', '/api/parcels/{code}/history', '200', ['code', 'total', 'offset', 'limit', 'events']],
      ['post', '/api/parcels/{code}/development', '201', ['id', 'kind', 'occurred_on', 'version']],
      ['patch', '/api/parcels/{code}/development/{id}', '200', ['id', 'kind', 'version']],
      ['get', '/api/ledger', '200', ['numberMatched', 'items']],
      ['get', '/api/parcels/{code}/ledger', '200', ['parcel_code', 'entries']],
      ['post', '/api/parcels/{code}/ledger', '201', ['measure', 'deadline', 'overdue', 'version']],
      ['patch', '/api/parcels/{code}/ledger/{id}', '200', ['completed_on', 'version']],
      ['get', '/api/contracts/', '200', ['items', 'next_cursor']],
      ['get', '/api/contracts/{no}', '200', ['contract_no', 'indicators', 'price_wan']],
      ['post', '/api/contracts/', '201', ['contract_no']],
      ['patch', '/api/contracts/{no}', '200', ['contract_no']],
      ['get', '/api/enterprises/', '200', ['items']],
      ['get', '/api/enterprises/{credit_code}', '200', ['credit_code', 'land', 'figures']],
      ['patch', '/api/enterprises/{credit_code}', '200', ['credit_code']],
      ['put', '/api/enterprises/{credit_code}/figures/{year}', '200', ['year', 'tax_paid_wan', 'version']],
      ['get', '/api/batches/', '200', ['features']],
      ['get', '/api/batches/{no}', '200', ['properties']],
      ['patch', '/api/batches/{no}', '200', ['properties']],
      ['get', '/api/alerts/', '200', ['numberMatched', 'items']],
      ['get', '/api/alerts/{id}', '200', ['status', 'change', 'parcel', 'finding', 'photos', 'history']],
      ['patch', '/api/alerts/{id}', '200', ['status', 'version']],
      ['get', '/api/alerts/{id}/assignees', '200', ['assignee', 'inspectors']],
      ['get', '/api/disclosure/', '200', ['as_of', 'counts', 'items']],
      ['get', '/api/standard-land/', '200', ['total', 'counts', 'items']],
      ['get', '/api/standard-land/{no}', '200', ['indicators', 'terms', 'status', 'checks', 'rectifications', 'ledger']],
      ['post', '/api/standard-land/{no}/checks', '201', ['checks']],
      ['get', '/api/permu/summary', '200', ['city', 'counties', 'clusters']],
      ['get', '/api/permu/parcels', '200', ['year', 'items']],
      ['get', '/api/disclosure/snapshots/{id}/export.geojson', '200', ['type', 'features']],
    ]
    for (const [method, path, status, keys] of described) {
      const props = answer(doc, method, path, status)
      for (const k of keys) expect(props, `${method.toUpperCase()} ${path} → ${status} names "${k}"`).toHaveProperty(k)
    }
  })

  it('names the card\'s parts, and marks tax, output and price as shown only to the roles that may see them', async () => {
    const doc = await document()
    const card = answer(doc, 'get', '/api/parcels/{code}', '200') as { properties: { properties: Record<string, { description?: string }>; required?: string[] } }
    const props = card.properties.properties
    for (const k of ['area_m2', 'area_mu', 'plan_zones', 'approval_batches', 'land_user', 'tenants', 'contracts', 'development', 'alerts', 'ledger', 'classifications', 'figures']) {
      expect(props, `the card names "${k}"`).toHaveProperty(k)
    }
    expect(props.figures!.description).toMatch(/only for roles that may see tax, output and price/)
    // figures is absent for other roles, so it cannot be required
    expect(card.properties.required ?? []).not.toContain('figures')
  })

  it('describes the multipart form of POST /api/uploads, field by field', async () => {
    const doc = await document() as unknown as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { type?: string; format?: string; enum?: string[] }>; required?: string[] } }> } }>> }
    const form = doc.paths['/api/uploads/']?.post?.requestBody?.content?.['multipart/form-data']?.schema
    expect(form, 'POST /api/uploads/ has a multipart/form-data request body').toBeDefined()
    expect(Object.keys(form!.properties!).sort()).toEqual(['confirmCrs', 'crs', 'encoding', 'file', 'layer', 'mapping', 'sourceLayer'])
    expect(form!.properties!.file).toMatchObject({ type: 'string', format: 'binary' })
    expect(form!.properties!.layer!.enum).toEqual(['parcels', 'batches', 'contracts', 'plan_zones', 'clusters', 'changes'])
    expect(form!.required!.sort()).toEqual(['file', 'layer'])
  })
})

describe('the OpenAPI document is what a client generator and Swagger UI expect', () => {
  it('validates with a real OpenAPI validator (@apidevtools/swagger-parser)', async () => {
    const doc = await document()
    // validate() dereferences in place: give it a copy; it throws naming every problem it finds
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy()
  })

  it('declares the bearer scheme and requires it on every operation that needs a login, as config.access says', async () => {
    const doc = await document() as Document & { components: { securitySchemes: Record<string, { type: string; scheme: string }> } }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    let protectedOps = 0
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops) as [string, Operation & { security?: Record<string, string[]>[] }][]) {
        const access = accessOf(method, path)
        if (access === 'public') {
          // a token is optional there, and Swagger UI sends it when authorised
          expect(op.security, `${method} ${path}`).toEqual([{}, { bearer: [] }])
        } else {
          protectedOps++
          expect(op.security, `${method} ${path} needs a login`).toEqual([{ bearer: [] }])
        }
      }
    }
    expect(protectedOps).toBeGreaterThan(60)
  })
})

describe('answers and bodies that are not JSON', () => {
  interface Op { responses: Record<string, { content?: Record<string, { schema?: object }> }>; requestBody?: { content: Record<string, { schema: { properties?: object; required?: string[]; format?: string } }> } }
  const MEDIA_OF_SUFFIX: Record<string, string> = {
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv', mvt: 'application/vnd.mapbox-vector-tile',
  }

  it('names the media type of every file, tile and photo answer', async () => {
    const doc = await document() as unknown as { paths: Record<string, Record<string, Op>> }
    let files = 0
    for (const [path, ops] of Object.entries(doc.paths)) {
      const suffix = /\.(xlsx|csv|mvt)$/.exec(path)?.[1]
      if (!suffix) continue
      files++
      expect(Object.keys(ops.get!.responses['200']!.content ?? {}), path).toEqual([MEDIA_OF_SUFFIX[suffix]])
      expect(ops.get!.responses['200']!.content![MEDIA_OF_SUFFIX[suffix]!]!.schema, path).toEqual({ type: 'string', format: 'binary' })
    }
    expect(files).toBe(9) // with /api/audit/export.csv
    expect(Object.keys(doc.paths['/api/alerts/{id}/photos/{photoId}']!.get!.responses['200']!.content!)).toEqual(['image/jpeg', 'image/png'])
    expect(Object.keys(doc.paths['/api/reports/{id}/export.json']!.get!.responses['200']!.content!)).toEqual(['application/json'])
  })

  it('describes the multipart forms (uploads, photos) and the table sent as the body (yearly figures)', async () => {
    const doc = await document() as unknown as { paths: Record<string, Record<string, Op>> }
    const upload = doc.paths['/api/uploads/']!.post!.requestBody!.content['multipart/form-data']!.schema
    expect(Object.keys(upload.properties!)).toEqual(['layer', 'file', 'crs', 'confirmCrs', 'encoding', 'sourceLayer', 'mapping'])
    expect(upload.required).toEqual(['layer', 'file'])
    // every text field states its bound, as the route enforces it (a maxLength, or the values of an enum)
    for (const [name, field] of Object.entries(upload.properties as Record<string, { format?: string; maxLength?: number; enum?: string[] }>)) {
      if (name === 'file') continue
      expect(field.maxLength ?? field.enum, name).toBeDefined()
    }
    const photo = doc.paths['/api/alerts/{id}/photos']!.post!.requestBody!.content['multipart/form-data']!.schema
    expect(Object.keys(photo.properties!)).toEqual(['photo'])
    const table = doc.paths['/api/enterprises/figures/{year}/import']!.post!.requestBody!.content
    expect(Object.keys(table)).toEqual(expect.arrayContaining(['text/csv', MEDIA_OF_SUFFIX.xlsx]))
    expect(table['text/csv']!.schema.format).toBe('binary')
  })
})
