/* The id of a new upload row, status validating. */
INSERT INTO upload (layer, file_name, file_sha256, size_bytes, status, phase, options, created_by, county_scope)
VALUES (${layer}, ${fileName}, ${sha256}, ${sizeBytes}, 'validating', 'reading', ${options}::jsonb, ${createdBy}, ${scope}::char(6)[])
RETURNING id
