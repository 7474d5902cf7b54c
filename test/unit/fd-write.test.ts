import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLinesSync } from '../../src/util/fd-write.js';

function lines(n: number, width: (i: number) => number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `${JSON.stringify({ i, pad: 'x'.repeat(width(i)) })}\n`;
  return out;
}

/** A FIFO in a fresh folder, and what removes them. */
function makeFifo(): { dir: string; fifo: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-fdwrite-'));
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  return { dir, fifo, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('writeLinesSync writes every byte to a file, long lines and multi-byte characters included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-fdwrite-'));
  try {
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'a');
    const text = lines(2000, (i) => (i % 97 === 0 ? 9000 : 40)) + '{"m":"漢字 🦄"}\n';
    writeLinesSync(fd, text);
    writeLinesSync(fd, '');
    closeSync(fd);
    assert.equal(readFileSync(file, 'utf8'), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeLinesSync into a full non-blocking pipe waits for the reader and loses nothing; whole lines arrive', async () => {
  const { dir, fifo, cleanup } = makeFifo();
  const outFile = join(dir, 'out');
  // into a file: this process blocks while it writes, and could not read a pipe meanwhile
  const reader = spawn('sh', ['-c', 'cat "$0" > "$1"', fifo, outFile], { stdio: 'ignore' });
  const ended = new Promise<void>((resolve) => reader.on('close', () => resolve()));
  try {
    // a non-blocking write end opens once the reader has the other end (bounded retries)
    let fd = -1;
    for (let tries = 0; fd < 0; tries++) {
      try {
        fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || tries > 200) throw e;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    // far more than the pipe holds (64 KiB): writes meet EAGAIN until `cat` drains it
    const text = lines(6000, (i) => (i % 50 === 0 ? 5000 : 60));
    writeLinesSync(fd, text);
    closeSync(fd);
    await ended;
    const got = readFileSync(outFile, 'utf8');
    assert.equal(got.length, text.length);
    assert.equal(got, text);
  } finally {
    reader.kill();
    cleanup();
  }
});

test('writeLinesSync into a pipe nobody reads gives up after a bounded wait with the error, then at once until the pipe drains', () => {
  const { fifo, cleanup } = makeFifo();
  // this process holds the read end and does not read (until the end)
  const rd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const wr = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    const more = lines(5000, () => 100);
    const t0 = Date.now();
    assert.throws(() => writeLinesSync(wr, more), { code: 'EAGAIN' });
    const took = Date.now() - t0;
    assert.ok(took >= 1900 && took < 10_000, `gave up after ${took} ms`);
    // the pipe still full: the next call tries once and gives up at once (a write thread
    // calling it for every batch must not fall 2 s further behind each time)
    const few = lines(10, () => 100);
    const t1 = Date.now();
    assert.throws(() => writeLinesSync(wr, few), { code: 'EAGAIN' });
    assert.ok(Date.now() - t1 < 500, `the second give-up took ${Date.now() - t1} ms`);
    // once the reader drains it, lines go through again
    const sink = Buffer.alloc(1 << 16);
    for (;;) {
      try {
        if (readSync(rd, sink) === 0) break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw e;
      }
    }
    writeLinesSync(wr, 'back\n');
    assert.equal(readSync(rd, sink), 5);
    assert.equal(sink.toString('utf8', 0, 5), 'back\n');
  } finally {
    closeSync(wr);
    closeSync(rd);
    cleanup();
  }
});
