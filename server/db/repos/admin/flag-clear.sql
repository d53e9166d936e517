/* Clears a flag from a date with the document and reason; bumps its version. */
UPDATE parcel_flag SET cleared_on = ${clearedOn}::date, cleared_doc_no = ${docNo}, cleared_reason = ${reason},
       cleared_by = ${actor}, version = version + 1
 WHERE id = ${id}
