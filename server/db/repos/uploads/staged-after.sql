/* {any, more}: whether the upload has staged features at all, and whether it has any with idx >=
   ${to} (a chunked commit's next slice; idx need not be dense). */
SELECT EXISTS (SELECT 1 FROM upload_feature WHERE upload_id = ${uploadId}::uuid) AS any,
       EXISTS (SELECT 1 FROM upload_feature WHERE upload_id = ${uploadId}::uuid AND idx >= ${to}) AS more
