// An import's CSV files read from disk (the CLI's files, the server's uploads once on disk).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { OrgshiftError } from '../core/errors.ts';
import { decodeUtf8Chunks, PIECE_BYTES } from './csv.ts';
import type { CsvInput } from './hris-import.ts';

/**
 * Files opened for an import, each read 8 MB at a time as the import goes through it and never held
 * whole: a file can be larger than the longest string JavaScript holds. `close` closes them all.
 */
export class OpenedFiles {
  private readonly opened: number[] = [];

  /** The file at `path`, named `name` in what is refused. */
  open(path: string, name = path): CsvInput {
    const cannot = (error: unknown) =>
      new OrgshiftError('invalid_input', `cannot read ${name}: ${(error as Error).message}`);
    let fd: number;
    let size: number;
    try {
      fd = openSync(path, 'r');
      size = fstatSync(fd).size;
    } catch (error) {
      throw cannot(error);
    }
    this.opened.push(fd);
    function* chunks(): Generator<Uint8Array> {
      const buffer = Buffer.allocUnsafe(PIECE_BYTES);
      // Read from where this reading has got, so that a file is read again from its start by `again`.
      let at = 0;
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, buffer, 0, buffer.length, at);
        } catch (error) {
          throw cannot(error);
        }
        if (n === 0) return;
        at += n;
        yield buffer.subarray(0, n);
      }
    }
    return {
      file: name,
      pieces: decodeUtf8Chunks(chunks(), name),
      size,
      again: () => decodeUtf8Chunks(chunks(), name),
    };
  }

  close(): void {
    for (const fd of this.opened.splice(0)) closeSync(fd);
  }
}
