/**
 * Name matching. Two spellings match when they agree after case folding and dropping
 * everything but letters and digits, so "Dai Shan" finds "Daishan" and "Ali Mama" finds "Alimama".
 */
export function nameKey(name: string): string {
  let key = keys.get(name);
  if (key === undefined) {
    // Plain ASCII (most names in HR files) needs no Unicode normalization, and its letters and
    // digits are a-z and 0-9 once lowercased: the same key, several times faster.
    key = !NOT_ASCII.test(name)
      ? name.toLowerCase().replace(/[^a-z0-9]+/g, '')
      : name
          .normalize('NFKC')
          .toLowerCase()
          .replace(/[^\p{L}\p{N}]+/gu, '');
    // Names repeat (every lookup, index update and check asks again): remember the last many.
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(name, key);
  }
  return key;
}

const NOT_ASCII = /[^ -~\t\n\r]/;
const MAX_KEYS = 200_000;
const keys = new Map<string, string>();

/**
 * The edit distance of `a` and `b` when it is at most `most`, else `most + 1`: rows stop as soon as
 * every cell is over `most` (a miss compares the name with every record's, a million after an import).
 */
function distanceWithin(a: string, b: string, most: number): number {
  if (Math.abs(a.length - b.length) > most) return most + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let lowest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const cell = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current[j] = cell;
      if (cell < lowest) lowest = cell;
    }
    if (lowest > most) return most + 1;
    previous = current;
  }
  return Math.min(previous[b.length]!, most + 1);
}

function thresholdOf(key: string): number {
  return Math.max(2, Math.floor(key.length / 3));
}

/** How far a candidate's name key is from the wanted one: a key inside the other is one step away. */
function keyDistance(key: string, candidateKey: string, threshold: number): number {
  if (candidateKey === key) return 0;
  if (candidateKey.length > 3 && (candidateKey.includes(key) || key.includes(candidateKey))) return 1;
  return distanceWithin(key, candidateKey, threshold);
}

/** The name keys close enough to `wanted`'s for `suggest` to offer a name that has one of them. */
export function closeKeys(wanted: string, keys: Iterable<string>): Set<string> {
  const key = nameKey(wanted);
  const close = new Set<string>();
  if (key === '') return close;
  const threshold = thresholdOf(key);
  for (const candidateKey of keys)
    if (keyDistance(key, candidateKey, threshold) <= threshold) close.add(candidateKey);
  return close;
}

/** The candidates closest to `wanted`, best first, within a distance that grows with the name's length. */
export function suggest(wanted: string, candidates: Iterable<string>, limit = 3): string[] {
  const key = nameKey(wanted);
  if (key === '') return [];
  const threshold = thresholdOf(key);
  const scored: Array<{ name: string; distance: number }> = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    const distance = keyDistance(key, nameKey(candidate), threshold);
    if (distance <= threshold) scored.push({ name: candidate, distance });
  }
  scored.sort((x, y) => x.distance - y.distance || x.name.localeCompare(y.name));
  return scored.slice(0, limit).map((s) => s.name);
}

/**
 * " Did you mean …?" for `wanted`. Candidates may be names or `[name, label]` pairs, so that
 * an alias suggests the record's own name once rather than every spelling of it.
 */
export function didYouMean(wanted: string, candidates: Iterable<string | readonly [string, string]>): string {
  const labels = new Map<string, string>();
  for (const candidate of candidates) {
    const [name, label] = typeof candidate === 'string' ? [candidate, candidate] : candidate;
    if (!labels.has(name)) labels.set(name, label);
  }
  const hints = [...new Set(suggest(wanted, labels.keys(), 10).map((name) => labels.get(name)!))].slice(0, 3);
  if (hints.length === 0) return '';
  return ` Did you mean ${hints.map((h) => `"${h}"`).join(' or ')}?`;
}

/** A lowercase id made of the name's letters and digits, e.g. "Big Taobao" → "big-taobao". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'x';
}
