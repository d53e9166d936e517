import { describe, expect, it } from 'vitest'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import { checkResponses, violations } from './response-schemas'
import { JsonText } from '../schemas/common'

describe('the check of answers against their route\'s response schema (used by every app test)', () => {
  it('reports JSON text that drifts from the schema, naming the route, the status and the field; passes what matches', async () => {
    const app = Fastify()
    checkResponses(app)
    const Shape = Type.Object({ code: Type.String(), area_m2: Type.Number(), at: Type.String({ format: 'date-time' }) }, { additionalProperties: false })
    app.get('/x/:answer', { schema: { response: { 200: JsonText(Shape) } } }, async (request, reply) => {
      const answers: Record<string, string> = {
        good: '{"code":"A-1","area_m2":12.5,"at":"2026-11-28T09:00:00.123456+08:00"}',
        wrongtype: '{"code":"A-1","area_m2":"12.5","at":"2026-11-28T09:00:00+08:00"}',
        extra: '{"code":"A-1","area_m2":1,"at":"2026-11-28T09:00:00+08:00","tax_paid_wan":3}',
        baddate: '{"code":"A-1","area_m2":1,"at":"28/11/2026"}',
      }
      return reply.type('application/json').send(answers[(request.params as { answer: string }).answer]!)
    })
    const seen: string[] = []
    try {
      for (const answer of ['good', 'wrongtype', 'extra', 'baddate']) {
        const res = await app.inject({ method: 'GET', url: `/x/${answer}` })
        expect(res.statusCode).toBe(200) // the check reports; it never changes the answer
        seen.push(violations.splice(0).join('\n'))
      }
    } finally {
      violations.splice(0)
      await app.close()
    }
    expect(seen[0]).toBe('')
    expect(seen[1]).toMatch(/^GET \/x\/:answer → 200: .*area_m2 must be number/)
    expect(seen[2]).toMatch(/must NOT have additional properties/)
    expect(seen[3]).toMatch(/at must match format "date-time"/)
  })
})
