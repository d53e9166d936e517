/* A lease of a parcel, locked for ending it; no row when missing or not on that parcel. */
SELECT l.id, l.starts_on::text AS starts_on, l.ends_on::text AS ends_on, l.version
  FROM lease l WHERE l.id = ${id} AND l.parcel_id = ${parcelId}
   FOR UPDATE
