/* One page of an upload's staged features, by idx after ${after}: what a new mapping reads
   (the original attributes) and the issues it keeps (those found reading the shape). */
SELECT idx, raw, issues FROM upload_feature
WHERE upload_id = ${id}::uuid AND idx > ${after}
ORDER BY idx
LIMIT ${limit}
