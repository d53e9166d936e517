/** A small seeded PRNG for the demo data: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 32-bit) seeded through splitmix32, so that the same seed gives the same data on
 * every machine and Node version. Math.random is never used by the generators.
 *
 * Streams are keyed: `new Rng(seed, 'parcel', 17)` is independent of how many numbers any other
 * stream has drawn, which is what lets the parcel generator stream a million parcels and still
 * give parcel 17 the same story as the in-memory demo. */

/** 32-bit FNV-1a of a key part, mixed into the running hash. */
function mixKey(h: number, part: string | number): number {
  const s = typeof part === 'number' ? `#${part}` : part
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= 0xff // separator, so that ('ab','c') and ('a','bc') differ
  return Math.imul(h, 0x01000193) >>> 0
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** Hash of a seed and key parts to 32 bits (used for stream seeds and stable choices). */
export function hash32(seed: number, ...keys: (string | number)[]): number {
  let h = mixKey(0x811c9dc5, seed)
  for (const k of keys) h = mixKey(h, k)
  return splitmix32(h)()
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number, ...keys: (string | number)[]) {
    const sm = splitmix32(hash32(seed, ...keys))
    this.a = sm()
    this.b = sm()
    this.c = sm()
    this.d = sm()
    for (let i = 0; i < 12; i++) this.u32() // warm-up, as the sfc32 reference does
  }

  /** Next raw 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!(max >= min)) throw new RangeError(`int(${min}, ${max}): empty range`)
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Uniform in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** One item, drawn with the given relative weights. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0
    for (const w of weights) total += w
    let r = this.next() * total
    for (let i = 0; i < items.length; i++) {
      r -= weights[i]!
      if (r < 0) return items[i]!
    }
    return items[items.length - 1]!
  }

  /** Normal deviate (Box–Muller; both uniforms drawn every call, so the stream stays aligned). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next() // (0, 1]
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Log-normal with the given median and log-sd, clamped to [min, max]. */
  logNormal(median: number, sigma: number, min = 0, max = Infinity): number {
    return Math.min(max, Math.max(min, median * Math.exp(this.normal(0, sigma))))
  }

  /** Fisher–Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    return items
  }
}
