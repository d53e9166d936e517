/** vt-pbf ships no types; this is the part of its API the GeoJSON encoder uses. */
declare module 'vt-pbf' {
  /** Serialises geojson-vt tiles, one per layer name, to a Mapbox Vector Tile. */
  export function fromGeojsonVt(
    layers: Record<string, { features: unknown[] }>,
    options?: { version?: number; extent?: number },
  ): Uint8Array
}
