/* "One change and one parcel make at most one open alert" (issue 8 §2), for a change seen in
   several periods: the open-alert index keys on the change's first detection (the root every repeat
   links to), not on the detection that fired, so that a repeat firing another rule on the same
   parcel (未供即用 before the contract, construction on a not-started parcel after it) waits for
   the open alert to be closed instead of opening a second one. */
ALTER TABLE alert ADD COLUMN root_change_id bigint REFERENCES rs_change;
UPDATE alert a SET root_change_id = coalesce(r.linked_to, r.id) FROM rs_change r WHERE r.id = a.change_id;
DROP INDEX alert_open_change_parcel;
CREATE UNIQUE INDEX alert_open_change_parcel ON alert (root_change_id, parcel_id)
  WHERE status NOT IN ('closed','false_positive') AND root_change_id IS NOT NULL AND parcel_id IS NOT NULL;
