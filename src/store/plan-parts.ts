// A plan's text is stored in parts of about a megabyte: the first in `plans.source`, the rest in
// `plan_parts`. An import's first plan can be a hundred megabytes; in parts it is stored as it is
// made, and is never one string on the way. Each part but the last ends at the first line end at or
// after `PLAN_PART_CHARS` characters, so a text is cut the same way however it was made (whole, or
// in pieces of any size), and never inside a character.

/** How many characters a part has at least (all but a text's last), in UTF-16 code units. */
export const PLAN_PART_CHARS = 1 << 20;

/** Cuts a text given in pieces into its parts as they fill. */
export class PlanTextParts {
  private rest = '';
  /** Where in `rest` a line end is still to be looked for. */
  private from = 0;
  private given = 0;

  constructor(private readonly partChars = PLAN_PART_CHARS) {}

  /** Adds the next piece of the text; the parts it completes. */
  add(piece: string): string[] {
    this.rest += piece;
    const parts: string[] = [];
    while (this.rest.length >= this.partChars) {
      const end = this.rest.indexOf('\n', Math.max(this.partChars - 1, this.from));
      if (end === -1) {
        this.from = this.rest.length;
        break;
      }
      parts.push(this.rest.slice(0, end + 1));
      this.rest = this.rest.slice(end + 1);
      this.from = 0;
    }
    this.given += parts.length;
    return parts;
  }

  /** The text is complete: its last part (none when the last one given ended it; a text has one at least). */
  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last === '' && this.given > 0 ? [] : [last];
  }
}

/** A whole text's parts. */
export function planTextParts(text: string, partChars = PLAN_PART_CHARS): string[] {
  const cutter = new PlanTextParts(partChars);
  return [...cutter.add(text), ...cutter.end()];
}
