// Multipart uploads of an import's files, streamed into a temporary folder as they arrive: an upload
// is never held whole in memory, and the import then reads each file from disk a piece at a time
// (`OpenedFiles`), as the CLI reads its files.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { OrgshiftError } from '../core/errors.ts';

export interface Uploads {
  /** Each file received, by its part's name: where it is on disk, and the file name it was sent with. */
  files: Map<string, { path: string; name: string }>;
  /** Each plain field, by name. */
  fields: Map<string, string>;
  /** Deletes the received files. */
  remove(): Promise<void>;
}

export interface UploadRules {
  /** The names file parts may have, each at most once. */
  files: readonly string[];
  /** The names plain fields may have, each at most once. */
  fields: readonly string[];
  maxFileBytes: number;
  /** Where the uploads' folder is made (default: the system's temporary folder). */
  under?: string;
}

/**
 * Receives a `multipart/form-data` request body, writing each file part to disk as it arrives.
 * Refused (`invalid_input`, nothing kept) when the body is not multipart form data, when a part has
 * a name not in `rules` or comes twice, or when a file is larger than `rules.maxFileBytes`.
 */
export async function receiveUploads(request: Request, rules: UploadRules): Promise<Uploads> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType) || request.body === null) {
    throw new OrgshiftError('invalid_input', 'expected the files as multipart/form-data');
  }
  const dir = await mkdtemp(join(rules.under ?? tmpdir(), 'orgshift-upload-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const files = new Map<string, { path: string; name: string }>();
  const fields = new Map<string, string>();
  const expected = [...rules.files, ...rules.fields].join(', ');
  let refusal: OrgshiftError | undefined;
  const refuse = (message: string) => {
    refusal ??= new OrgshiftError('invalid_input', message);
  };
  const writes: Array<Promise<void>> = [];
  try {
    const parser = busboy({
      headers: { 'content-type': contentType },
      // One byte more than allowed: busboy says "limit" on reaching its limit, not on passing it.
      limits: { fileSize: rules.maxFileBytes + 1 },
    });
    parser.on('file', (name, stream, info) => {
      if (!rules.files.includes(name) || files.has(name) || refusal) {
        refuse(
          files.has(name)
            ? `the file "${name}" was sent twice`
            : `unknown part "${name}"; expected ${expected}`,
        );
        stream.resume();
        return;
      }
      // Named by its part, not by the name it was sent with: the sender does not choose paths here.
      const path = join(dir, `${name}.csv`);
      files.set(name, { path, name: info.filename || `${name}.csv` });
      stream.on('limit', () => refuse(`${name}: a file of at most ${rules.maxFileBytes} bytes`));
      writes.push(pipeline(stream, createWriteStream(path)));
    });
    parser.on('field', (name, value, info) => {
      if (refusal) return;
      if (rules.files.includes(name)) refuse(`"${name}" was sent as text; expected a file`);
      else if (!rules.fields.includes(name)) refuse(`unknown part "${name}"; expected ${expected}`);
      else if (fields.has(name)) refuse(`the field "${name}" was sent twice`);
      else if (info.valueTruncated) refuse(`the field "${name}" is too long`);
      else fields.set(name, value);
    });
    const body = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
    try {
      await pipeline(body, parser);
    } catch (error) {
      refuse(`the upload is not valid multipart/form-data: ${(error as Error).message}`);
    }
    // A file's write that failed (a full disk) is the server's failure, not the sender's.
    const written = await Promise.allSettled(writes);
    if (refusal) throw refusal;
    for (const write of written) if (write.status === 'rejected') throw write.reason;
    return { files, fields, remove };
  } catch (error) {
    await Promise.allSettled(writes);
    await remove();
    throw error;
  }
}
