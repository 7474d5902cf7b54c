import { fstatSync, writeSync } from 'node:fs';
import { bytesOf } from './byte-slabs.js';

/** What a pipe or socket takes in one write without interleaving it with another writer's (PIPE_BUF on Linux). */
const ATOMIC_PIPE_WRITE = 4096;
/** Writes to a file or terminal: at most this much a system call. */
const FILE_WRITE = 1 << 20;
/** How long a full non-blocking pipe is waited for, in all (a call), before the rest is dropped. */
const FULL_PIPE_WAIT_MS = 2000;
const WAIT_STEP_MS = 10;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Pipes and sockets (by device and inode) whose last write gave up on a full pipe: they are
 * not waited for again until a write goes through, so that a reader that never reads costs
 * each later call one attempt, not 2 s (the calling thread would fall further behind with
 * every call).
 */
const stalled = new Set<string>();

/**
 * Write newline-terminated lines to `fd` from a thread that may block (the database write
 * thread): another writer (the daemon's logger, on its own thread) may write to the same fd
 * meanwhile, so on a pipe or socket every write is whole lines within PIPE_BUF, which the
 * kernel never interleaves with another write (a line longer than that goes alone). A full
 * non-blocking pipe is waited for up to 2 s; then what is left is dropped and the error
 * thrown, and later calls do not wait until one gets through (see `stalled`). Other write
 * errors are thrown as they are.
 */
export function writeLinesSync(fd: number, text: string | Uint8Array): void {
  if (text.length === 0) return;
  // (looked at each time: a batch's worth of lines is worth an fstat, and an fd number may
  // be closed and reused for something else)
  const st = fstatSync(fd);
  const max = st.isFIFO() || st.isSocket() ? ATOMIC_PIPE_WRITE : FILE_WRITE;
  const key = `${st.dev}:${st.ino}`;
  const deadline = stalled.has(key) ? 0 : Date.now() + FULL_PIPE_WAIT_MS;
  try {
    writePieces(fd, typeof text === 'string' ? Buffer.from(text) : bytesOf(text), max, deadline);
    stalled.delete(key);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') stalled.add(key);
    throw e;
  }
}

function writePieces(fd: number, buf: Buffer, max: number, deadline: number): void {
  for (let at = 0; at < buf.length;) {
    let end = buf.length;
    if (end - at > max) {
      const nl = buf.lastIndexOf(0x0a, at + max - 1);
      end = nl >= at ? nl + 1 : buf.indexOf(0x0a, at + max) + 1 || buf.length;
    }
    at += retryingWrite(() => writeSync(fd, buf, at, end - at), deadline);
  }
}

/** One write(2) (`write`), waiting out a full non-blocking pipe (EAGAIN) until `deadline`. */
function retryingWrite(write: () => number, deadline: number): number {
  for (;;) {
    try {
      return write();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() >= deadline) throw e;
      Atomics.wait(sleeper, 0, 0, WAIT_STEP_MS);
    }
  }
}
