/* The staging job's claim (${id}, ${owner}, ${attempt}) is still its holder's: the row, held FOR
   SHARE until the staging commits, so that a process frozen past its lease commits no staging
   over the one of the process that took its job over. */
SELECT id FROM job
 WHERE id = ${id} AND owner = ${owner} AND attempt = ${attempt} AND state = 'running'
   FOR SHARE
