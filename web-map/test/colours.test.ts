/** The map's colours for colour-blind eyes: every two parcel classes of different meaning, and the
 * batch remainder (批次未供部分) and change polygons (变化图斑) against every class, stay at least
 * CIEDE2000 15 apart for normal vision and as protanopes and deuteranopes see them (Machado,
 * Oliveira & Fernandes 2009, severity 1, in linear RGB); shades within one class stay 6 apart for
 * normal vision. The colour science is written here (small, and checked against published values)
 * so that the check depends on nothing it is checking. */
import { describe, expect, it } from 'vitest'
import { CHANGE_COLOUR, PARCEL_GROUPS, PARCEL_LEGEND, REMAINDER_COLOUR } from '../src/layers'

type Vision = 'normal' | 'protanopia' | 'deuteranopia'
const MACHADO: Record<Exclude<Vision, 'normal'>, number[][]> = {
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
}
const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
function lab(hex: string, vision: Vision = 'normal'): [number, number, number] {
  const n = parseInt(hex.slice(1), 16)
  let rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => toLinear(v / 255))
  if (vision !== 'normal') {
    const m = MACHADO[vision]
    rgb = m.map((row) => Math.min(1, Math.max(0, row[0]! * rgb[0]! + row[1]! * rgb[1]! + row[2]! * rgb[2]!)))
  }
  const [r, g, b] = rgb as [number, number, number]
  // D65
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116)
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))]
}
function deltaE2000([L1, a1, b1]: number[], [L2, a2, b2]: number[]): number {
  const rad = Math.PI / 180
  const C1 = Math.hypot(a1!, b1!), C2 = Math.hypot(a2!, b2!)
  const Cm = (C1 + C2) / 2
  const G = 0.5 * (1 - Math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)))
  const a1p = (1 + G) * a1!, a2p = (1 + G) * a2!
  const C1p = Math.hypot(a1p, b1!), C2p = Math.hypot(a2p, b2!)
  const h = (b: number, a: number) => { if (a === 0 && b === 0) return 0; const d = Math.atan2(b, a) / rad; return d < 0 ? d + 360 : d }
  const h1p = h(b1!, a1p), h2p = h(b2!, a2p)
  const dLp = L2! - L1!, dCp = C2p - C1p
  let dhp = 0
  if (C1p * C2p !== 0) { dhp = h2p - h1p; if (dhp > 180) dhp -= 360; else if (dhp < -180) dhp += 360 }
  const dHp = 2 * Math.sqrt(C1p * C2p) * Math.sin((dhp / 2) * rad)
  const Lm = (L1! + L2!) / 2, Cmp = (C1p + C2p) / 2
  let hm = h1p + h2p
  if (C1p * C2p !== 0) { hm = Math.abs(h1p - h2p) <= 180 ? (h1p + h2p) / 2 : (h1p + h2p + (h1p + h2p < 360 ? 360 : -360)) / 2 }
  const T = 1 - 0.17 * Math.cos((hm - 30) * rad) + 0.24 * Math.cos(2 * hm * rad) + 0.32 * Math.cos((3 * hm + 6) * rad) - 0.2 * Math.cos((4 * hm - 63) * rad)
  const dTheta = 30 * Math.exp(-(((hm - 275) / 25) ** 2))
  const Rc = 2 * Math.sqrt(Cmp ** 7 / (Cmp ** 7 + 25 ** 7))
  const Sl = 1 + (0.015 * (Lm - 50) ** 2) / Math.sqrt(20 + (Lm - 50) ** 2)
  const Sc = 1 + 0.045 * Cmp, Sh = 1 + 0.015 * Cmp * T
  const Rt = -Math.sin(2 * dTheta * rad) * Rc
  return Math.sqrt((dLp / Sl) ** 2 + (dCp / Sc) ** 2 + (dHp / Sh) ** 2 + Rt * (dCp / Sc) * (dHp / Sh))
}

const VISIONS: Vision[] = ['normal', 'protanopia', 'deuteranopia']
const MIN_BETWEEN = 15
const MIN_WITHIN = 6

describe('the colour science', () => {
  it('CIEDE2000 gives the published values (Sharma, Wu & Dalal 2005, table 1)', () => {
    expect(deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 4)
    expect(deltaE2000([50, -1.3802, -84.2814], [50, 0, -82.7485])).toBeCloseTo(1.0, 4)
    expect(deltaE2000([50, 2.5, 0], [73, 25, -18])).toBeCloseTo(27.1492, 4)
    expect(deltaE2000([2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514])).toBeCloseTo(0.9082, 4)
  })

  it('sRGB to CIELAB (D65) gives known values, and the simulations keep grey grey and make red and green meet', () => {
    const white = lab('#ffffff')
    expect(white[0]).toBeCloseTo(100, 2)
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.01)
    const red = lab('#ff0000')
    expect(red[0]).toBeCloseTo(53.24, 1)
    expect(red[1]).toBeCloseTo(80.09, 1)
    expect(red[2]).toBeCloseTo(67.2, 1)
    for (const v of VISIONS) expect(deltaE2000(lab('#808080', v), lab('#808080'))).toBeLessThan(1)
    // red and green, far apart for normal eyes, come close for a deuteranope
    expect(deltaE2000(lab('#d32f2f'), lab('#689f38'))).toBeGreaterThan(40)
    expect(deltaE2000(lab('#d32f2f', 'deuteranopia'), lab('#689f38', 'deuteranopia'))).toBeLessThan(15)
  })
})

describe('the map colours', () => {
  const colour = Object.fromEntries(PARCEL_LEGEND.map((l) => [l.key, l.colour]))
  const groupOf = Object.fromEntries(Object.entries(PARCEL_GROUPS).flatMap(([g, keys]) => keys.map((k) => [k, g])))

  it('every legend class belongs to one group, and every colour is distinct', () => {
    expect(Object.keys(groupOf).sort()).toEqual(PARCEL_LEGEND.map((l) => l.key).sort())
    const all = [...PARCEL_LEGEND.map((l) => l.colour), REMAINDER_COLOUR, CHANGE_COLOUR]
    expect(new Set(all).size).toBe(all.length)
  })

  it(`classes of different meaning ≥ ${MIN_BETWEEN} apart for every vision; shades of a class ≥ ${MIN_WITHIN}`, () => {
    const keys = Object.keys(colour)
    const close: string[] = []
    for (let i = 0; i < keys.length; i++) {
      for (let j = i + 1; j < keys.length; j++) {
        const [a, b] = [keys[i]!, keys[j]!]
        if (groupOf[a] === groupOf[b]) {
          const d = deltaE2000(lab(colour[a]!), lab(colour[b]!))
          if (d < MIN_WITHIN) close.push(`${a}/${b} normal ${d.toFixed(1)}`)
          continue
        }
        for (const v of VISIONS) {
          const d = deltaE2000(lab(colour[a]!, v), lab(colour[b]!, v))
          if (d < MIN_BETWEEN) close.push(`${a}/${b} ${v} ${d.toFixed(1)}`)
        }
      }
    }
    expect(close).toEqual([])
  })

  it(`the batch remainder and the change polygons ≥ ${MIN_BETWEEN} from every class and each other, for every vision`, () => {
    const close: string[] = []
    for (const [name, c] of [['remainder', REMAINDER_COLOUR], ['change', CHANGE_COLOUR]] as const) {
      for (const [key, k] of [...Object.entries(colour), ...(name === 'remainder' ? [['change', CHANGE_COLOUR]] : [])]) {
        for (const v of VISIONS) {
          const d = deltaE2000(lab(c, v), lab(k!, v))
          if (d < MIN_BETWEEN) close.push(`${name}/${key} ${v} ${d.toFixed(1)}`)
        }
      }
    }
    expect(close).toEqual([])
  })
})
