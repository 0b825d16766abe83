/**
 * The thread NicedBcryptHasher hashes on, one job at a time. JavaScript, not
 * TypeScript: Node 20 gives a worker no TypeScript loader (tsx's hooks stay
 * on the main thread), so this file runs as it is, from src/ under the tests
 * and from dist/, where the build copies it; tsc checks it all the same
 * (checkJs, with the types in JSDoc).
 */
import bcrypt from 'bcrypt';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

/** @typedef {import('./niced-bcrypt-hasher.js').BcryptJob} BcryptJob */
/** @typedef {import('./niced-bcrypt-hasher.js').BcryptReply} BcryptReply */

// On Linux setpriority(PRIO_PROCESS, 0) applies to the calling thread only, so nice 19 makes the
// scheduler prefer the event loop whenever both want the same core: hashing takes the time chat leaves idle.
try {
  setPriority(0, 19);
} catch {
  // Not permitted here: hash at the normal priority rather than not at all.
}

parentPort?.on('message', (/** @type {BcryptJob | 'exit'} */ job) => {
  // Asked to stop: between two jobs, never inside bcrypt's native code.
  if (job === 'exit') return process.exit(0);
  /** @type {BcryptReply} */
  let reply;
  try {
    reply = { result: 'hash' in job ? bcrypt.compareSync(job.password, job.hash) : bcrypt.hashSync(job.password, job.cost) };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
