// Texts kept on disk while an import is read, so that what it made of rows already read need not stay in
// the heap (`readDirect`'s lean way): each stream's texts appended, read back in the order appended.

import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Named streams of texts, each read back (as often as asked) in the order its texts were appended. */
export interface Spool {
  append(stream: string, text: string): void;
  /** The stream's texts, joined in pieces of whole texts (none for a stream never appended to). */
  read(stream: string): Generator<string>;
  close(): void;
}

/** Characters a stream holds before they go to disk. */
const CHUNK_CHARS = 1 << 18;
/** Characters all streams hold at most before all go to disk. */
const HELD_CHARS = 1 << 22;

interface SpoolStream {
  /** Where each chunk on disk is: offset and length, in bytes, one after the other. */
  chunks: number[];
  held: string[];
  heldChars: number;
}

/**
 * A spool in a file of the system's temporary directory, removed as soon as it is opened (it goes with
 * the process, however that ends). What it holds in memory is bounded: `HELD_CHARS` characters, and a
 * few numbers a chunk.
 */
export class FileSpool implements Spool {
  private readonly fd: number;
  private end = 0;
  private held = 0;
  private readonly streams = new Map<string, SpoolStream>();

  constructor(dir = tmpdir()) {
    const path = join(dir, `orgshift-spool-${process.pid}-${randomUUID()}`);
    this.fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
  }

  append(stream: string, text: string): void {
    let s = this.streams.get(stream);
    if (s === undefined) {
      s = { chunks: [], held: [], heldChars: 0 };
      this.streams.set(stream, s);
    }
    s.held.push(text);
    s.heldChars += text.length;
    this.held += text.length;
    if (s.heldChars >= CHUNK_CHARS) this.spill(s);
    if (this.held >= HELD_CHARS) for (const other of this.streams.values()) this.spill(other);
  }

  *read(stream: string): Generator<string> {
    const s = this.streams.get(stream);
    if (s === undefined) return;
    const { chunks } = s;
    for (let i = 0; i < chunks.length; i += 2) {
      const bytes = Buffer.allocUnsafe(chunks[i + 1]!);
      let done = 0;
      while (done < bytes.length) {
        const n = readSync(this.fd, bytes, done, bytes.length - done, chunks[i]! + done);
        if (n === 0) throw new Error('the spool file ended early');
        done += n;
      }
      yield bytes.toString('utf8');
    }
    if (s.heldChars > 0) yield s.held.join('');
  }

  close(): void {
    closeSync(this.fd);
  }

  private spill(s: SpoolStream): void {
    if (s.heldChars === 0) return;
    const bytes = Buffer.from(s.held.join(''), 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.end + done);
    s.chunks.push(this.end, bytes.length);
    this.end += bytes.length;
    this.held -= s.heldChars;
    s.held = [];
    s.heldChars = 0;
  }
}
