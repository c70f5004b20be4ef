// BENCHMARKS.md is made of sections, each rewritten by the benchmark that owns it.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const FILE = join(import.meta.dirname, '..', 'BENCHMARKS.md');

export function describeMachine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Replaces the section whose heading starts with `heading` (or appends it); `section` starts with that heading. */
export function writeSection(heading: string, section: string): void {
  let doc = '# Benchmarks\n\nEach section is rewritten by the benchmark that owns it.\n\n';
  try {
    doc = readFileSync(FILE, 'utf8');
  } catch {
    // The first benchmark run writes the file.
  }
  const start = doc.indexOf(heading);
  if (start >= 0) {
    const end = doc.indexOf('\n## ', start + 3);
    doc = doc.slice(0, start) + section + (end >= 0 ? doc.slice(end + 1) : '');
  } else doc += `\n${section}`;
  writeFileSync(FILE, doc);
}
