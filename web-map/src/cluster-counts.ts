/** Below the parcel zoom, where parcels are not drawn, each cluster's label carries what the
 * analysis finds in it: the parcels of each class (闲置, 低效, 未供即用, 不符合规划) and the batches
 * with land 批而未供, then "放大查看地块". The counts are the analysis summary's
 * (/api/analysis/summary), which the server scopes to the user's counties: a county's user gets
 * counts for the clusters of their county only, the public and the duty roles none. */
import type { ExpressionSpecification, GeoJSONSource, Map as MlMap } from 'maplibre-gl'
import { getJson, type User } from './api'

/** One cluster's row of the analysis summary (the members read here). */
export interface ClusterSummary {
  cluster_code: string | null
  unsupplied: { unsupplied_batches: number }
  idle: { parcels: number }
  inefficient: { parcels: number }
  used_before_supply: { parcels: number }
  conformity: { parcels: number }
}

/** The lines under a cluster's name: each class with a count, in the order of the legend. */
export function countLines(s: ClusterSummary): string {
  const parts: [string, number, string][] = [
    ['批而未供', s.unsupplied.unsupplied_batches, '批'],
    ['闲置', s.idle.parcels, '宗'],
    ['低效', s.inefficient.parcels, '宗'],
    ['未供即用', s.used_before_supply.parcels, '宗'],
    ['不符合规划', s.conformity.parcels, '宗'],
  ]
  const shown = parts.filter(([, n]) => n > 0).map(([name, n, unit]) => `${name} ${n} ${unit}`)
  const lines: string[] = []
  for (let i = 0; i < shown.length; i += 2) lines.push(shown.slice(i, i + 2).join(' · '))
  return [...(lines.length ? lines : ['无待处置地块']), '放大查看地块'].join('\n')
}

const CAN_SEE = new Set(['admin', 'analyst', 'surveyor', 'inspector'])

export class ClusterCounts {
  /** cluster code → the lines under its name; empty when signed out or not allowed */
  counts = new Map<string, string>()
  private asked = 0
  private user: User | null = null
  /** whether the counts of this user have been asked for */
  private requested = false

  constructor(
    private map: MlMap,
    /** the label points of the clusters (code, short_name) */
    private points: () => GeoJSON.FeatureCollection | null,
    private parcelZoom: () => number,
  ) {
    // the counts show below the parcel zoom only: a map opened at a parcel view (a link, a county
    // user's cluster) asks for them when first zoomed out, not while its parcels load (the summary
    // is a whole-city query, measured in seconds at a million parcels before the analysis is stored)
    map.on('zoomend', () => { if (!this.requested && this.below()) void this.load() })
  }

  private below(): boolean {
    return this.map.getZoom() < this.parcelZoom()
  }

  /** Takes this user (signed in, out, or another): their counts are asked for now if the map is
   * below the parcel zoom, else when it first gets there. */
  async refresh(user: User | null): Promise<void> {
    this.user = user
    this.requested = false
    this.asked++
    this.counts = new Map()
    this.apply()
    if (this.below()) await this.load()
  }

  /** Asks for the counts of the current user (none for the public) and puts them on the labels. */
  private async load(): Promise<void> {
    this.requested = true
    const asked = ++this.asked
    const user = this.user
    let counts = new Map<string, string>()
    if (user && CAN_SEE.has(user.role)) {
      try {
        const s = await getJson<{ clusters: ClusterSummary[] }>('/api/analysis/summary')
        counts = new Map(s.clusters.filter((c) => c.cluster_code).map((c) => [c.cluster_code!, countLines(c)]))
      } catch {
        counts = new Map() // no counts rather than a broken map: the names stay
      }
    }
    if (asked !== this.asked) return // a later sign-in or sign-out answered first
    this.counts = counts
    this.apply()
  }

  /** Puts the counts on the label points and shows them below the parcel zoom only. */
  apply(): void {
    const source = this.map.getSource('cluster-labels') as GeoJSONSource | undefined
    const points = this.points()
    if (!source || !points) return
    source.setData({
      ...points,
      features: points.features.map((f) => {
        const lines = this.counts.get(String(f.properties?.code))
        return lines ? { ...f, properties: { ...f.properties, counts: lines } } : f
      }),
    })
    if (!this.map.getLayer('clusters-label')) return
    const name: ExpressionSpecification = ['get', 'short_name']
    const withCounts: ExpressionSpecification = ['case', ['has', 'counts'], ['concat', ['get', 'short_name'], '\n', ['get', 'counts']], name]
    this.map.setLayoutProperty('clusters-label', 'text-field', ['step', ['zoom'], withCounts, this.parcelZoom(), name])
    this.map.setLayoutProperty('clusters-label', 'text-max-width', 14)
  }
}
