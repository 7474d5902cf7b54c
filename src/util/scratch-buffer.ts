/**
 * One Buffer reused for bytes that are made, handed to something that copies them (SQLite
 * binding a value, a write system call, a string decoded from them) and then dropped: the
 * write thread's row texts and stdout lines, entryJson's text, a live view start's JSON. A fresh Buffer of ~70–300 KB each time was memory the allocator took from the
 * system and gave back, and every page of it a page fault when first written. It keeps the
 * largest size asked for: one batch's worth, a few hundred KB with ordinary entries.
 */
export class ScratchBuffer {
  private buf: Buffer;

  /** `initial` bytes to begin with (0: none until the first take()). */
  constructor(initial = 0) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }

  /** At least `size` bytes, whatever the last take() left in them; valid until the next take(). */
  take(size: number): Buffer {
    if (size > this.buf.length) this.buf = Buffer.allocUnsafeSlow(Math.max(size, this.buf.length * 2, MIN_SIZE));
    return this.buf;
  }
}

const MIN_SIZE = 64 * 1024;
