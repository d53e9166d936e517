/* The cluster's system identifier (pg_control_system may be refused to a plain user). */
SELECT (pg_control_system()).system_identifier::text AS system_identifier
