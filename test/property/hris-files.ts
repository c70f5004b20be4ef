// Random HRIS files for the import's property tests (test/engine/first-import.test.ts,
// test/formats/round-trip.test.ts).

const DAYS = ['2020-01-01', '2020-02-01', '2020-03-01', '2020-04-01', '2020-05-01'];

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * HRIS files with most of what an HR export holds — units that move, are renamed, change type, end
 * and come back; people who transfer, are promoted, renamed, change or lose managers, leave and are
 * rehired;
 * head posts and named posts, some held concurrently — and with mistakes in some: unknown parents,
 * cycles, sibling names that clash, managers who left, units dissolved with people in them.
 */
export function hrisFiles(seed: number): { units: string; people: string; posts: string; lineage: string } {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const chance = (p: number) => rand() < p;
  /** `gap`: the chance that a period after one that ends starts later (a unit back, a person rehired). */
  const periods = (start: number, most: number, gap = 0.1): Array<[number, number | null]> => {
    const out: Array<[number, number | null]> = [];
    let from = start;
    const count = 1 + Math.floor(rand() * most);
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      if (from >= DAYS.length - 1 || (last && chance(0.6))) {
        out.push([from, null]);
        break;
      }
      const to = from + 1 + Math.floor(rand() * (DAYS.length - 1 - from));
      out.push([from, to]);
      from = chance(gap) && to < DAYS.length - 1 ? to + 1 : to;
      if (last) break;
    }
    return out;
  };
  const day = (i: number | null) => (i === null ? '' : DAYS[i]!);
  const unitCount = 2 + Math.floor(rand() * 5);
  // Units and people there from the first day to the last (most references go to them), and the rest.
  const steadyUnits = ['U0'];
  /** Each unit's last period's end, for its successions. */
  const unitEnds = new Map<string, number | null>();
  const units = ['unit_id,name,type,parent_id,valid_from,valid_to', 'U0,Company,company,,2020-01-01,'];
  for (let u = 1; u < unitCount; u++) {
    const base = pick(['Sales', 'Engineering', 'Ops', 'Platform']);
    const steady = chance(0.6);
    if (steady) steadyUnits.push(`U${u}`);
    const parentOf = () =>
      chance(0.9)
        ? steady
          ? pick(steadyUnits.slice(0, -1))
          : `U${Math.floor(rand() * u)}`
        : pick([`U${unitCount - 1}`, 'U99', `U${u}`]);
    const spans: Array<[number, number | null]> = steady
      ? [[0, null]]
      : periods(chance(0.6) ? 0 : Math.floor(rand() * 3), 3);
    if (steady && chance(0.5)) spans.splice(0, 1, [0, 2], [2, null]);
    unitEnds.set(`U${u}`, spans.at(-1)![1]);
    for (const [from, to] of spans) {
      const name = chance(0.9) ? `${base} ${u}` : pick(['Sales 1', 'sales 1', `${base} ${u} New`]);
      units.push(`U${u},${name},${pick(['department', 'team'])},${parentOf()},${day(from)},${day(to)}`);
    }
  }
  const unitFor = () => (chance(0.85) ? pick(steadyUnits) : `U${Math.floor(rand() * unitCount)}`);
  const personCount = 2 + Math.floor(rand() * 9);
  const steadyPeople = ['P0'];
  const people = ['person_id,name,unit_id,manager_id,title,level,valid_from,valid_to'];
  people.push(`P0,Person 0,U0,,CEO,M9,2020-01-01,`);
  for (let p = 1; p < personCount; p++) {
    let name = `Person ${p}`;
    const steady = chance(0.6);
    const spans: Array<[number, number | null]> = steady
      ? [[0, null]]
      : periods(chance(0.7) ? 0 : Math.floor(rand() * 4), 3, 0.3);
    if (steady && chance(0.4)) spans.splice(0, 1, [0, 1 + Math.floor(rand() * 3)], [0, null]);
    if (spans.length === 2 && spans[1]![0] === 0) spans[1] = [spans[0]![1]!, null];
    for (const [from, to] of spans) {
      if (chance(0.1)) name = `${name} B`;
      const manager = chance(0.1)
        ? ''
        : chance(0.9)
          ? pick(steadyPeople)
          : `P${Math.floor(rand() * personCount)}`;
      people.push(
        `P${p},${name},${unitFor()},${manager},${pick(['', 'Engineer', 'Lead'])},${pick(['', 'P1', 'P2'])},${day(from)},${day(to)}`,
      );
    }
    if (steady) steadyPeople.push(`P${p}`);
  }
  const posts = ['person_id,unit_id,post,valid_from,valid_to'];
  if (chance(0.7)) posts.push('P0,U0,head,2020-01-01,');
  const postCount = Math.floor(rand() * 4);
  for (let i = 0; i < postCount; i++) {
    const from = Math.floor(rand() * (DAYS.length - 1));
    const to = chance(0.5) ? null : from + 1 + Math.floor(rand() * (DAYS.length - 1 - from));
    const person = chance(0.8) ? pick(steadyPeople) : `P${Math.floor(rand() * personCount)}`;
    posts.push(
      `${person},${unitFor()},${pick(['head', 'head', 'Head', 'CTO', 'cto'])},${day(from)},${day(to)}`,
    );
  }
  // Successions of units that end, to one or two others (merged into a unit that ends that day too, at
  // times), and a few mistakes: a date the unit does not end on, a successor not in the units file.
  const lineage = ['unit_id,successor_id,kind,date'];
  for (const [unit, end] of unitEnds) {
    if (end === null || !chance(0.6)) continue;
    const count = chance(0.7) ? 1 : 2;
    const kind = pick(['merge', 'split', 'replace', 'rename']);
    for (let i = 0; i < count; i++) {
      const successor = chance(0.95) ? `U${Math.floor(rand() * unitCount)}` : 'U99';
      if (successor === unit) continue;
      const date = chance(0.9) ? day(end) : pick(DAYS);
      lineage.push(`${unit},${successor},${chance(0.9) ? kind : pick(['merge', 'split'])},${date}`);
    }
  }
  return {
    units: `${units.join('\n')}\n`,
    people: `${people.join('\n')}\n`,
    posts: `${posts.join('\n')}\n`,
    lineage: `${lineage.join('\n')}\n`,
  };
}
