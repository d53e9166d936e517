/* A flag of a parcel, locked for clearing; no row when missing or not on that parcel. */
SELECT f.id, f.set_on::text AS set_on, f.cleared_on::text AS cleared_on
  FROM parcel_flag f WHERE f.id = ${id} AND f.parcel_id = ${parcelId}
   FOR UPDATE
