/** The reader's limits from the upload settings of server/config.ts (the upload size, feature and time limits an operator sets). */
import type { Config, IngestSettings } from '../config'
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-features'

export type { IngestSettings } from '../config'
export { loadIngestSettings } from '../config'

export function readLimitsOf(config: Pick<Config, 'maxUncompressedBytes'>, settings: IngestSettings): ReadLimits {
  return {
    ...DEFAULT_READ_LIMITS,
    maxTotalBytes: config.maxUncompressedBytes,
    maxEntries: settings.maxZipEntries,
    maxCompressionRatio: settings.maxZipRatio,
    maxGeoJsonBytes: Math.min(DEFAULT_READ_LIMITS.maxGeoJsonBytes, config.maxUncompressedBytes),
  }
}
