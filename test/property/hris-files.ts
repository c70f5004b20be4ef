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

/** `HrExport`'s files, with how they are to be read. */
export interface HrExport {
  units: string;
  people: string;
  posts: string;
  inclusiveEnd: boolean;
  /** What was changed to make the files other than an HR system's plain export, if anything. */
  oddity: string;
}

/**
 * HRIS files as most HR systems export them (the shape `readDirect` imports straight from the files):
 * units that each start once and stay, people who transfer, are promoted, renamed, leave and are
 * rehired, most manager_ids the head of the person's unit (for a head, the one above) or empty, head
 * posts held by members of the unit, one after another, named posts held in the unit or from another
 * one, reporting lines of their own at times (to the head of the unit above, or to anyone) — and, in
 * some, one thing otherwise: a quoted field, CRLF lines, a byte order mark, spaces, a
 * header in other words, a manager of their own, a unit that ends, a post held while its holder moves
 * away, a mistake the import refuses, a person's rows apart.
 */
export function hrExport(seed: number): HrExport {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const chance = (p: number) => rand() < p;
  const days = [
    '2020-01-01',
    '2020-02-01',
    '2020-03-01',
    '2020-04-01',
    '2020-05-01',
    '2020-06-01',
    '2020-07-01',
  ];
  const last = days.length;
  const inclusiveEnd = chance(0.15);
  const oddities = [
    'quoted',
    'crlf',
    'bom',
    'spaces',
    'header',
    'line',
    'unit ends',
    'holder moves',
    'unknown unit',
    'overlap',
    'sibling names',
    'narrow row',
    'bad date',
    'status',
    'apart',
  ];
  const oddity = chance(0.35) ? pick(oddities) : '';
  // Units: U0 the root from the first day; each other under an earlier one, from its parent's start on.
  const unitCount = 2 + Math.floor(rand() * 7);
  const unitFrom: number[] = [0];
  const unitParent: number[] = [-1];
  const unitNames = ['Company'];
  for (let u = 1; u < unitCount; u++) {
    const parent = Math.floor(rand() * u);
    unitParent.push(parent);
    unitFrom.push(chance(0.7) ? unitFrom[parent]! : unitFrom[parent]! + Math.floor(rand() * 3));
    unitNames.push(
      oddity === 'sibling names' && u === unitCount - 1 ? (unitNames[1] ?? 'Unit') : `Unit ${u}`,
    );
  }
  if (oddity === 'sibling names' && unitCount > 2) unitParent[unitCount - 1] = unitParent[1]!;
  const units = unitNames.map(
    (name, u) =>
      `U${u},${name},${u === 0 ? 'company' : pick(['department', 'team'])},${u === 0 ? '' : `U${unitParent[u]}`},${days[unitFrom[u]!]},${oddity === 'unit ends' && u === unitCount - 1 ? days[last - 1] : ''}`,
  );
  const unitsThere = (day: number) => unitNames.map((_, u) => u).filter((u) => unitFrom[u]! <= day);

  // People: periods [from, to) as day numbers, `last` meaning still there.
  interface Period {
    from: number;
    to: number;
    unit: number;
    name: string;
    title: string;
    level: string;
  }
  const personCount = 2 + Math.floor(rand() * 12);
  const periods: Period[][] = [];
  for (let p = 0; p < personCount; p++) {
    const list: Period[] = [];
    let from = p === 0 ? 0 : chance(0.7) ? 0 : Math.floor(rand() * (last - 1));
    let name = `Person ${p}`;
    let title = pick(['', 'Engineer', 'Lead']);
    let level = pick(['', 'P1', 'P2', 'M1']);
    let unit = p === 0 ? 0 : pick(unitsThere(from));
    const count = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < count && from < last; i++) {
      const to = i === count - 1 && chance(0.6) ? last : from + 1 + Math.floor(rand() * (last - from));
      list.push({ from, to: Math.min(to, last), unit, name, title, level });
      if (to >= last) break;
      // The next period: the same day on (a transfer, a promotion, a new name), or later (a rehire).
      from = chance(0.2) && to + 2 < last ? to + 2 : to;
      if (chance(0.5)) unit = pick(unitsThere(from));
      if (chance(0.2)) name = `${name} B`;
      if (chance(0.4)) title = pick(['', 'Engineer', 'Lead', 'Manager']);
      if (chance(0.4)) level = pick(['', 'P1', 'P2', 'M1', 'M2']);
    }
    periods.push(list);
  }
  /** The person's runs of periods in one unit without a gap: where a post of theirs there can be held. */
  const stints = (p: number) => {
    const out: Array<{ from: number; to: number; unit: number }> = [];
    for (const period of periods[p]!) {
      const before = out.at(-1);
      if (before && before.to === period.from && before.unit === period.unit) before.to = period.to;
      else out.push({ from: period.from, to: period.to, unit: period.unit });
    }
    return out;
  };

  // Posts: [person, unit, post, from, to].
  const posts: Array<[number, number, string, number, number]> = [];
  const taken = new Map<string, Array<[number, number]>>();
  const free = (key: string, from: number, to: number) =>
    (taken.get(key) ?? []).every(([a, b]) => b <= from || to <= a);
  const hold = (key: string, from: number, to: number) =>
    taken.set(key, [...(taken.get(key) ?? []), [from, to]]);
  const tries = Math.floor(rand() * (2 + unitCount));
  for (let i = 0; i < tries; i++) {
    const p = Math.floor(rand() * personCount);
    const own = chance(0.8);
    const post = own ? pick(['head', 'head', 'Head', 'CTO', 'Deputy']) : pick(['CTO', 'cto', 'Adviser']);
    const stint = pick(stints(p));
    const from = stint.from + Math.floor(rand() * (stint.to - stint.from));
    const to = chance(0.5) ? stint.to : from + 1 + Math.floor(rand() * (stint.to - from));
    let unit = stint.unit;
    if (!own) {
      const away = unitsThere(from).filter((u) =>
        periods[p]!.every((x) => x.unit !== u || x.to <= from || to <= x.from),
      );
      if (away.length === 0) continue;
      unit = pick(away);
    }
    const key = `${unit}:${post.toLowerCase() === 'head' ? 'head' : post.toLowerCase()}`;
    if (!free(key, from, to)) continue;
    hold(key, from, to);
    posts.push([p, unit, post, from, to]);
  }
  if (oddity === 'holder moves') {
    // A post held on after its holder moved to another unit.
    const transfer = (list: Period[]) =>
      list.findIndex((x, i) => i > 0 && list[i - 1]!.to === x.from && list[i - 1]!.unit !== x.unit);
    const moving = periods.findIndex((list) => transfer(list) > 0);
    if (moving >= 0) {
      const list = periods[moving]!;
      const i = transfer(list);
      const before = list[i - 1]!;
      posts.push([moving, before.unit, 'Adviser', before.from, list[i]!.to]);
    }
  }

  /** Who holds the unit's head post through [from, to) by one row, as the import derives managers. */
  const headThrough = (unit: number, from: number, to: number) =>
    posts.find(
      ([, u, post, a, b]) => u === unit && post.toLowerCase() === 'head' && a <= from && to <= b,
    )?.[0];
  const people: string[] = [];
  periods.forEach((list, p) => {
    for (const period of list) {
      let manager = headThrough(period.unit, period.from, period.to);
      if (manager === p) {
        const parent = unitParent[period.unit]!;
        const above = parent === -1 ? undefined : headThrough(parent, period.from, period.to);
        manager = above === p ? undefined : above;
      }
      let managerId = manager === undefined || chance(0.1) ? '' : `P${manager}`;
      // A line of one's own at times: to the head of the unit above (skip-level), or to anyone there.
      if (chance(0.15)) {
        const parent = unitParent[period.unit]!;
        const above = parent === -1 ? undefined : headThrough(parent, period.from, period.to);
        if (above !== undefined && above !== p) managerId = `P${above}`;
      } else if (chance(0.01)) managerId = `P${Math.floor(rand() * personCount)}`;
      if (oddity === 'line' && p === personCount - 1) managerId = 'P0';
      people.push(
        [
          `P${p}`,
          period.name,
          `U${period.unit}`,
          managerId,
          period.title,
          period.level,
          days[period.from],
          end(period.to),
        ].join(','),
      );
    }
  });
  function end(to: number): string {
    if (to >= last) return chance(0.1) ? '9999-12-31' : '';
    const day = days[to]!;
    if (!inclusiveEnd) return day;
    const [y, m] = day.split('-');
    // The day before the first of a month (2020: a leap year).
    const before = Number(m) - 1;
    const length = [31, 29, 31, 30, 31, 30, 31][before - 1]!;
    return `${y}-${String(before).padStart(2, '0')}-${length}`;
  }
  const postRows = posts.map(([p, u, post, from, to]) => `P${p},U${u},${post},${days[from]},${end(to)}`);
  // A person's first row last: their rows apart in the file.
  if (oddity === 'apart') {
    const idOf = (row: string) => row.split(',')[0];
    const first = people.findIndex((row, i) => people.findLastIndex((r) => idOf(r) === idOf(row)) !== i);
    if (first >= 0) people.push(...people.splice(first, 1));
  }
  if (oddity === 'unknown unit') people.push(`P${personCount},Someone,U99,,,,2020-01-01,`);
  if (oddity === 'overlap' && periods[0]!.length > 0) people.push(`P0,Person 0,U0,,,,${days[1]},`);
  if (oddity === 'narrow row') people.push('P77,Narrow,U0,,,');
  if (oddity === 'bad date') people.push('P78,Late,U0,,,,2020-02-30,');
  if (oddity === 'quoted') people.push('P79,"Smith, Jo",U0,,,,2020-01-01,');
  let unitsHeader = 'unit_id,name,type,parent_id,valid_from,valid_to';
  let unitLines = units;
  if (oddity === 'status') {
    unitsHeader += ',status';
    unitLines = units.map((line, u) => `${line},${u === 1 ? 'closing' : ''}`);
  }
  let peopleHeader = 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to';
  if (oddity === 'header') peopleHeader = 'Person ID,Name,Unit-ID,Manager ID,Title,Level,Valid From,Valid To';
  let file = (header: string, lines: string[]) => `${[header, ...lines].join('\n')}\n`;
  if (oddity === 'crlf') file = (header, lines) => `${[header, ...lines].join('\r\n')}\r\n`;
  if (oddity === 'spaces')
    file = (header, lines) => `${[header, ...lines.map((l) => l.replaceAll(',', ' , '))].join('\n')}\n\n`;
  const bom = oddity === 'bom' ? '\uFEFF' : '';
  return {
    units: bom + file(unitsHeader, unitLines),
    people: bom + file(peopleHeader, people),
    posts: file('person_id,unit_id,post,valid_from,valid_to', postRows),
    inclusiveEnd,
    oddity,
  };
}
