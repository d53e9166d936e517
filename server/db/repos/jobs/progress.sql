/* The progress of a held claim (${id}, ${owner}, ${attempt}) written where every process reads it. */
UPDATE job SET phase = ${phase}, message = ${message}, done = ${done}, total = ${total}
 WHERE id = ${id} AND owner = ${owner} AND attempt = ${attempt} AND state = 'running'
