/** The one channel of committed changes: messages are plain data, every subscriber gets its own
 * copy, one that throws keeps no other from it, and an unsubscribed one gets nothing. */
import { describe, expect, it } from 'vitest'
import { publish, subscribe, type LandChanged } from './events'

describe('the change channel', () => {
  it('delivers a copy of each message to every subscriber and sums their answers', () => {
    const got: LandChanged[] = []
    const offA = subscribe((m) => { const l = m as LandChanged; got.push(l); (l.bbox as number[])[0] = -1; return 2 })
    const offB = subscribe((m) => { got.push(m as LandChanged); return 3 })
    const sent: LandChanged = { kind: 'land-changed', target: 'parcel', bbox: [112.1, 34.5, 112.2, 34.6] }
    expect(publish(sent)).toBe(5)
    expect(got).toHaveLength(2)
    expect(sent.bbox).toEqual([112.1, 34.5, 112.2, 34.6])
    expect(got[1]!.bbox).toEqual([112.1, 34.5, 112.2, 34.6])
    offA()
    expect(publish({ kind: 'land-changed', target: 'rs_change', bbox: null })).toBe(3)
    offB()
    expect(publish({ kind: 'land-changed', target: 'rs_change', bbox: null })).toBe(0)
  })

  it('still reaches the others when one subscriber throws, then reports the error', () => {
    let reached = 0
    const offA = subscribe(() => { throw new Error('broken subscriber') })
    const offB = subscribe(() => { reached++ })
    expect(() => publish({ kind: 'land-changed', target: 'parcel', bbox: null })).toThrow('broken subscriber')
    expect(reached).toBe(1)
    offA()
    offB()
  })
})
