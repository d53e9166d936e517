/* The layers an upload may fill are the registry's (server/db/repos/uploads/layers.ts: a layer is
   one entry there plus its SQL), no longer a list fixed in this table: the column keeps a name of
   the registry's form, and the application refuses a name that is no layer (400 layer_unknown)
   before a row is made. */
ALTER TABLE upload DROP CONSTRAINT upload_layer_check;
ALTER TABLE upload ADD CONSTRAINT upload_layer_name CHECK (layer ~ '^[a-z][a-z0-9_]{0,39}$');
