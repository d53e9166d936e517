/** Vector tiles of the one map (一张图): the layer registry, the two encoders behind one
 * interface, the cache, and `invalidateTiles` for writers. */
export { LAYERS, LAYER_IDS, findLayer, visibleAttributes, mayRead, type LayerDef, type AttributeDef } from './layers'
export { TileService, invalidateTiles, syncTilesWithEventLog, tilesCompressed, affectedLayers, type Caller, type TileResult, type TileServiceOptions } from './service'
export { probeEncoder, geojsonToMvt, type EncoderKind, type TileEncoder } from './encoders'
export type { BBox, TileAddress } from './tile-math'
