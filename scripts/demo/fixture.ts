/** The cluster fixture (fixtures/luoyang-clusters.json), read once. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClusterRow, CountyRow } from './types'

/** A cluster row without its boundary, and where the synthetic boundary goes. */
export interface ClusterFixture extends Omit<ClusterRow, 'boundary' | 'boundary_synthetic'> {
  centre: [number, number]
  half_km: number
}

export interface Fixture {
  source: string
  city_target_tax_per_mu: number
  counties: CountyRow[]
  clusters: ClusterFixture[]
}

export const FIXTURE_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/luoyang-clusters.json')

let cached: Fixture | null = null

export function readFixture(): Fixture {
  cached ??= JSON.parse(fs.readFileSync(FIXTURE_PATH, 'utf8')) as Fixture
  return cached
}

export function clusterFixture(code: string): ClusterFixture {
  const c = readFixture().clusters.find((k) => k.code === code)
  if (!c) throw new RangeError(`no cluster "${code}" in ${FIXTURE_PATH}`)
  return c
}
