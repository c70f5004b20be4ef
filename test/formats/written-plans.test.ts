import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readImport } from '../../src/formats/hris-import.ts';
import { parsePlan, parseYamlPlan, readWrittenPlan } from '../../src/formats/plan-file.ts';
import { hrisFiles } from '../property/hris-files.ts';

// An import's plan texts are read back (to replay them) without the YAML parser; they must read as
// the YAML parser reads them, locations included, and anything else must go to the YAML parser.

/** What the YAML parser makes of a text: the plan, or the problems it reports. */
function viaYaml(source: string): unknown {
  try {
    return parseYamlPlan(source, 'p.yaml');
  } catch (error) {
    return { refused: error };
  }
}

function importTexts(files: { units: string; people: string; posts: string; lineage: string }): string[] {
  const read = readImport({
    units: { file: 'units.csv', text: files.units },
    people: { file: 'people.csv', text: files.people },
    posts: { file: 'posts.csv', text: files.posts },
    lineage: { file: 'lineage.csv', text: files.lineage },
  });
  return read.days.map((day) => day.source());
}

const ODD_NAMES = [
  'Zoë "Z" O\'Neil',
  'back\\slash',
  'tab\there',
  'line\u2028separator',
  'emoji 😀 and 中文',
  'colon: and # hash',
  '- dash, comma [bracket] {brace}',
  'null',
  'true',
  '0012',
  'ünïcödé\u0085nel',
];

describe("an import's plan texts read without the YAML parser", () => {
  it('read as the YAML parser reads them, for random HRIS files', () => {
    let plans = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        for (const source of importTexts(hrisFiles(seed))) {
          const written = readWrittenPlan(source, 'p.yaml');
          expect(written, source).not.toBeNull();
          expect(written).toEqual(viaYaml(source));
          plans += 1;
        }
      }),
      { numRuns: 60 },
    );
    expect(plans).toBeGreaterThan(100);
  });

  it('read names with quotes, escapes and characters beyond ASCII as the YAML parser does', () => {
    const units = ['unit_id,name,type,parent_id,valid_from,valid_to', 'U0,Company,company,,2020-01-01,'];
    const people = ['person_id,name,unit_id,manager_id,title,level,valid_from,valid_to'];
    ODD_NAMES.forEach((name, i) => {
      const cell = `"${name.replaceAll('"', '""')}"`;
      units.push(`U${i + 1},${cell},${cell},U0,2020-01-01,`);
      people.push(`P${i},${cell},U${i + 1},,${cell},${cell},2020-01-01,`);
    });
    const [source] = importTexts({
      units: `${units.join('\n')}\n`,
      people: `${people.join('\n')}\n`,
      posts: 'person_id,unit_id,post,valid_from,valid_to\n',
      lineage: 'unit_id,successor_id,kind,date\n',
    });
    expect(source).toBeDefined();
    const written = readWrittenPlan(source!, 'p.yaml');
    expect(written).not.toBeNull();
    expect(written).toEqual(viaYaml(source!));
    // The names came through (not only read alike).
    const hired = written!.changes.filter((op) => op.kind === 'hire').map((op) => op.person);
    expect(hired).toEqual(ODD_NAMES.map((name) => name.trim()));
  });

  it('leave every other text to the YAML parser: a text changed anywhere reads as the parser reads it, or not at all', () => {
    const sources = importTexts(hrisFiles(7)).filter((s) => s.length < 20_000);
    expect(sources.length).toBeGreaterThan(0);
    let readWritten = 0;
    let leftToYaml = 0;
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...'"\\ ,:{}[]x\n1#'.split(''), '', 'null', 'true'),
        fc.nat(3),
        (which, where, put, cut) => {
          const source = sources[which % sources.length]!;
          const at = where % source.length;
          const changed = source.slice(0, at) + put + source.slice(at + cut);
          const written = readWrittenPlan(changed, 'p.yaml');
          if (written === null) {
            leftToYaml += 1;
            return;
          }
          readWritten += 1;
          expect(written, changed).toEqual(viaYaml(changed));
        },
      ),
      { numRuns: 2000 },
    );
    expect(readWritten).toBeGreaterThan(100);
    expect(leftToYaml).toBeGreaterThan(100);
  });

  it('parsePlan reads a written text without the parser and a hand-written one with it, locating problems', () => {
    const [source] = importTexts(hrisFiles(7));
    expect(parsePlan(source!, 'p.yaml')).toEqual(parseYamlPlan(source!, 'p.yaml'));
    const broken = source!.replace('{"hire":{', '{"hire":{"nickname":"x",');
    expect(readWrittenPlan(broken, 'p.yaml')).toBeNull();
    expect(() => parsePlan(broken, 'p.yaml')).toThrow(/plan has 1 problem/);
    // No change after "changes:": no list, refused; "changes: []" is an empty one.
    const head = source!.slice(0, source!.indexOf('\nchanges:\n') + '\nchanges:\n'.length);
    expect(readWrittenPlan(head, 'p.yaml')).toBeNull();
    expect(() => parsePlan(head, 'p.yaml')).toThrow(
      expect.objectContaining({
        problems: [expect.objectContaining({ message: expect.stringContaining('changes must be a list') })],
      }),
    );
    const empty = head.replace('\nchanges:\n', '\nchanges: []\n');
    expect(readWrittenPlan(empty, 'p.yaml')).toEqual(parseYamlPlan(empty, 'p.yaml'));
    expect(readWrittenPlan(empty, 'p.yaml')?.changes).toEqual([]);
  });
});
