/* On the embedded database (PGlite) the staging is logged, so that a commit whose process dies
   mid-way is resumed at the next start instead of undone. PGlite lives in the server's process and
   dies with it; its next start recovers the data folder as PostgreSQL recovers from a crash, which
   empties unlogged tables (migration 200): a chunked commit then found its staging gone and was
   undone, and the user had to upload the file again (server/routes/uploads/chunked-kill.test.ts).
   Logged, the staging outlives the crash like the chunks already committed, and the job that takes
   the commit over writes the rest. What it costs there: staging and checking 50 000 parcels took
   6.24–6.57 s logged against 5.81–6.06 s unlogged (+7–8 %; PGlite runs with fsync off; 2026-12-08,
   load average 2; at load average 6, 8.66–12.77 s against 9.12–9.71 s, within the noise). On PostgreSQL the staging stays unlogged: the database outlives a server
   process, so a commit is resumed anyway, and only a crash of the database itself empties it
   (the commit then fails upload_staging_lost, as before). */
DO $$
BEGIN
  IF version() LIKE '%PGlite%' THEN
    -- the referenced table first: a logged table cannot reference an unlogged one
    ALTER TABLE upload_feature SET LOGGED;
    ALTER TABLE upload_issue SET LOGGED;
  END IF;
END $$;
