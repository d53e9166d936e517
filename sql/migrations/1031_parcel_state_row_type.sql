-- analysis.parcel_state (sql/functions/analysis-2-state.sql) now returns the row type of
-- analysis.parcel_state_work (migration 1050) instead of listing the same 38 columns again: one
-- definition of the parcel state's columns, which the work table, the function and
-- analysis.parcel_state_of share. A function's return type cannot be changed in place; the
-- functions' file re-creates it right after the migrations, in the same transaction.
DROP FUNCTION IF EXISTS analysis.parcel_state(date, bigint[]);
