/** The layers an upload may fill (DOMAIN.md "Data sources"): the names both the reading side
 * (server/ingest) and the repository use, kept below db/ so that no repository imports server/ingest. */
export const LAYERS = ['parcels', 'batches', 'contracts', 'plan_zones', 'clusters', 'changes'] as const
export type LayerName = (typeof LAYERS)[number]

/** PostgreSQL's JIT compiles the big one-off statements of an upload for longer than it saves
 * (measured: 0.6 s of 2.1 s staging 20 000 parcels), so staging, checks and commit go without. */
export const NO_JIT = 'SET LOCAL jit = off'
