/* Stores the summary's past 批而未供 remainders the snapshot lacks (the follow-on of a full recompute): the rows written, 0 when none was missing. */
SELECT analysis.store_unsupplied_past(NULL) AS n
