import { describe, expect, it } from 'vitest'
import { INGEST_ERRORS, IngestError, type IngestErrorCode, ingestError, isIngestError } from './errors'

describe('IngestError', () => {
  it('carries code, status (also as statusCode for Fastify) and detail', () => {
    const e = ingestError('zip_unsafe_path', { member: '../../x.shp' })
    expect(e).toBeInstanceOf(Error)
    expect(isIngestError(e)).toBe(true)
    expect(e).toMatchObject({ name: 'IngestError', code: 'zip_unsafe_path', status: 400, statusCode: 400 })
    expect(e.detail).toEqual({ member: '../../x.shp' })
    expect(e.message).toContain('../../x.shp')
  })

  it('every message is Chinese first, then English, and every status is 400, 413 or 422', () => {
    for (const [code, def] of Object.entries(INGEST_ERRORS)) {
      expect([400, 413, 422], code).toContain(def.status)
      // Fill every parameter with a marker; the message must name it (the member, the file…).
      const params = new Proxy({}, { get: (_t, key) => (typeof key === 'string' ? `«${key}»` : undefined) })
      const message = (def.message as (p: unknown) => string)(params)
      expect(message, code).toMatch(/^[^/]*[\u4e00-\u9fff][\s\S]* \/ [\s\S]*[a-z]{3}/)
      const e = ingestError(code as IngestErrorCode, params as never)
      expect(e).toBeInstanceOf(IngestError)
    }
  })
})
