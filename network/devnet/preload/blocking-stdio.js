'use strict';
/*
 * Loaded by the devnet into every chaincode process it launches (`node --require`). The chaincode's stdout and
 * stderr are pipes to the devnet (which caps, rotates and escapes the log), and Node writes pipes asynchronously
 * on POSIX: what a chaincode printed just before it was stopped or crashed would still be queued in its memory
 * and lost. Blocking writes, as Node does for files, keep every line (the approach of the `set-blocking` package).
 */
for (const stream of [process.stdout, process.stderr]) {
  const handle = stream && stream._handle;
  if (handle && typeof handle.setBlocking === 'function') {
    handle.setBlocking(true);
  }
}
