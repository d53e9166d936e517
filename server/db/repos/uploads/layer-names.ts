/** The layers an upload may fill (DOMAIN.md "Data sources"), by name: plain data, read by the
 * server and the web map's upload form. What each is (its table, key, checks and commit) is the
 * registry beside it (layers.ts). */
export const LAYERS = ['parcels', 'batches', 'contracts', 'plan_zones', 'clusters', 'changes'] as const
export type LayerName = (typeof LAYERS)[number]
