/* When the analysis refresh that follows an upload's commit ended (server/ingest/uploads.ts
   settleStep; settled.sql). The upload's progress writes are not awaited (progress.sql), so an
   "analysing" one sent before the refresh ended could land after it and leave the upload showing
   "正在刷新提交后的分析" for good (seen in CI). Once this is set, progress.sql refuses them. */
ALTER TABLE upload ADD COLUMN settled_at timestamptz;
COMMENT ON COLUMN upload.settled_at IS 'when the analysis refresh after the commit ended; late progress writes no longer apply';
