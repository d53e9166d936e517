import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import errors from './errors'
import input, { isCalendarDate, nonFinitePath, nulPath, surrogatePath } from './input'

describe('bounds on every input', () => {
  it('refuse to build an app with a route whose number, string or list has no bounds, naming it', async () => {
    const app = Fastify()
    await app.register(errors)
    await app.register(input)
    expect(() => app.get('/open', {
      schema: { querystring: Type.Object({ id: Type.Integer({ minimum: 1 }), name: Type.String({ maxLength: 10 }) }) },
    }, async () => 'x')).toThrow(/route GET \/open takes input without bounds: querystring.id: integer without maximum/)
    expect(() => app.post('/open', {
      schema: { body: Type.Object({ tags: Type.Array(Type.String({ maxLength: 5 })), note: Type.String() }) },
    }, async () => 'x')).toThrow(/body.tags: array without maxItems; body.note: string without maxLength/)
    // enums, constants and dates are bounded by what they are
    expect(() => app.get('/fine', {
      schema: { querystring: Type.Object({ kind: Type.Union([Type.Literal('a'), Type.Literal('b')]), on: Type.String({ format: 'date' }), n: Type.Integer({ minimum: 0, maximum: 9 }) }) },
    }, async () => 'x')).not.toThrow()
    await app.close()
  })
})

describe('values the database cannot take', () => {
  it('finds a NUL, an unpaired surrogate or a number that is not finite, naming where', () => {
    expect(nulPath({ a: [{ b: 'x\u0000' }] })).toBe('a[0].b')
    expect(nulPath({ ['k\u0000']: 1 })).toBe('k\u0000')
    expect(nulPath({ a: 'fine', b: ['地'] })).toBeNull()
    expect(surrogatePath({ note: '\uD800' })).toBe('note')
    expect(surrogatePath({ note: '😀 paired' })).toBeNull()
    expect(nonFinitePath({ limit: Infinity })).toBe('limit')
    expect(nonFinitePath({ g: { c: [[1, -Infinity]] } })).toBe('g.c[0][1]')
    expect(nonFinitePath({ n: 1e308 })).toBeNull()
  })

  it('takes real calendar days of 1900–2100 only', () => {
    for (const d of ['1900-01-01', '2024-02-29', '2000-02-29', '2100-12-31', '2026-11-30']) expect(isCalendarDate(d), d).toBe(true)
    for (const d of ['0000-01-01', '1899-12-31', '2101-01-01', '2026-02-30', '2100-02-29', '2024-13-01', '2024-00-10', '2024-1-01', '20240101', '']) {
      expect(isCalendarDate(d), d).toBe(false)
    }
  })
})
