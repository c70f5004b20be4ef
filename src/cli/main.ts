import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { formatProblem, OrgshiftError, type Problem } from '../core/errors.ts';
import type { Plan } from '../core/model.ts';
import { parseDay } from '../core/time.ts';
import { exampleFiles, seedExamples } from '../engine/examples.ts';
import type { ImportJob, ImportJobProgress } from '../engine/import-job.ts';
import { OrgEngine } from '../engine/org-engine.ts';
import * as formats from '../formats/export.ts';
import { parsePlan } from '../formats/plan-file.ts';
import {
  formatBusiness,
  formatDiff,
  formatImpact,
  formatLineage,
  formatPerson,
  formatStats,
  formatTree,
} from './format.ts';
import { type Io, processIo, reportError, UsageError } from './output.ts';

interface GlobalOptions {
  db: string;
  org: string;
  json?: boolean;
}

function day(flag: string) {
  return (value: string): string => {
    const parsed = parseDay(value);
    if (parsed === null) throw new UsageError(`${flag}: "${value}" is not a calendar day (write YYYY-MM-DD)`);
    return parsed;
  };
}

function timestamp(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UsageError(`--known-at: "${value}" is not a timestamp (write e.g. 2026-01-31T12:00:00Z)`);
  return new Date(ms).toISOString();
}

function count(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${flag}: "${value}" is not a whole number`);
    return Number(value);
  };
}

function readSource(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new OrgshiftError('invalid_input', `cannot read ${file}: ${reason}`, [
      { message: `cannot read plan file: ${reason}`, location: { file, line: 1, col: 1 } },
    ]);
  }
}

/** Parses every file, collecting the problems of all of them before giving up. */
function readPlans(files: string[]): Array<{ plan: Plan; source: string }> {
  const plans: Array<{ plan: Plan; source: string }> = [];
  const problems: Problem[] = [];
  for (const file of files) {
    try {
      const source = readSource(file);
      plans.push({ plan: parsePlan(source, file), source });
    } catch (error) {
      if (!(error instanceof OrgshiftError)) throw error;
      for (const problem of error.problems.length > 0 ? error.problems : [{ message: error.message }])
        problems.push(problem);
    }
  }
  if (problems.length > 0) throw new OrgshiftError('plan_invalid', 'the plan files have problems', problems);
  return plans;
}

/** Runs the CLI in-process; returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  let engine: OrgEngine | undefined;
  let json = false;
  const program = new Command('orgshift');
  const open = async (): Promise<OrgEngine> => {
    engine ??= await OrgEngine.open(program.opts<GlobalOptions>().db);
    return engine;
  };
  const globals = (cmd: Command): GlobalOptions => {
    const options = cmd.optsWithGlobals<GlobalOptions>();
    json = options.json === true;
    return options;
  };
  const emit = (data: unknown, text: string) => io.out(json ? JSON.stringify(data, null, 2) : text);

  program
    .description('Model an organization and its restructurings over time.')
    .option('--db <path|url>', 'SQLite file or postgres:// URL', process.env.ORGSHIFT_DB || './orgshift.db')
    .option('--org <name>', 'organization within the store', 'default')
    .option('--json', 'print machine-readable JSON on stdout')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showSuggestionAfterError();

  const asOf = () =>
    new Option('--as-of <date>', 'the day to look at (default: today)').argParser(day('--as-of'));
  const knownAt = () =>
    new Option('--known-at <timestamp>', 'answer from what was recorded by then').argParser(timestamp);

  const plan = program.command('plan').description('check, apply and list restructuring plans');
  plan
    .command('check')
    .description('check plan files against the organization without applying them')
    .argument('<files...>')
    .action(async (files: string[], _o, cmd: Command) => {
      const { org } = globals(cmd);
      const plans = readPlans(files);
      const result = await (await open()).check(
        org,
        plans.map((p) => p.plan),
      );
      if (!result.ok) throw new OrgshiftError('plan_refused', 'refused', result.problems);
      const summary = plans.map(({ plan: p }) => ({
        plan: p.id,
        file: p.file,
        effective: p.effective,
        changes: p.changes.length,
      }));
      emit(
        { ok: true, plans: summary },
        summary
          .map((s) => `${s.file}: ok — plan ${s.plan}, effective ${s.effective}, ${s.changes} changes`)
          .join('\n'),
      );
    });
  plan
    .command('apply')
    .description('apply plan files in the order given, each all-or-nothing')
    .argument('<files...>')
    .action(async (files: string[], _o, cmd: Command) => {
      const { org } = globals(cmd);
      const applied = [];
      for (const file of files) {
        const [input] = readPlans([file]);
        const result = await (await open()).apply(org, input!);
        applied.push({ ...result, file });
        io.err(
          `applied ${file}: plan ${result.plan}, effective ${result.effective}, ${input!.plan.changes.length} changes`,
        );
      }
      if (json) io.out(JSON.stringify({ applied }, null, 2));
    });
  plan
    .command('impact')
    .description(
      'what a plan would change if applied: managers, chains, units, spans, layers, headcount, businesses, posts',
    )
    .argument('<file>')
    .action(async (file: string, _o, cmd: Command) => {
      const { org } = globals(cmd);
      const [input] = readPlans([file]);
      const result = await (await open()).impact(org, input!.plan);
      emit(result, formatImpact(result));
    });
  plan
    .command('list')
    .description('applied plans in order of their effective dates')
    .action(async (_o, cmd: Command) => {
      const { org } = globals(cmd);
      const plans = await (await open()).plans(org);
      emit(
        { plans },
        plans.map((p) => `${p.effective}  ${p.id.padEnd(32)} ${p.title}`).join('\n') || 'No plans applied.',
      );
    });
  plan
    .command('show')
    .description('print an applied plan file as it was applied')
    .argument('<plan>')
    .action(async (id: string, _o, cmd: Command) => {
      const { org } = globals(cmd);
      const source = await (await open()).planSource(org, id);
      emit({ plan: id, source }, source);
    });

  program
    .command('tree')
    .description('the unit tree as of a date')
    .addOption(asOf())
    .option('--unit <name>', 'start at this unit')
    .addOption(new Option('--depth <n>', 'levels below the start to show').argParser(count('--depth')))
    .addOption(knownAt())
    .action(async (o: { asOf?: string; unit?: string; depth?: number; knownAt?: string }, cmd: Command) => {
      const { org } = globals(cmd);
      const e = await open();
      const result = await e.tree(org, o.asOf ?? e.today(), {
        ...(o.unit !== undefined ? { unit: o.unit } : {}),
        ...(o.depth !== undefined ? { depth: o.depth } : {}),
        ...(o.knownAt !== undefined ? { knownAt: o.knownAt } : {}),
      });
      emit(result, formatTree(result));
    });

  program
    .command('person')
    .description('a person: posts, level, manager, chain to the top, direct reports, history')
    .argument('<name>')
    .addOption(asOf())
    .addOption(knownAt())
    .action(async (name: string, o: { asOf?: string; knownAt?: string }, cmd: Command) => {
      const { org } = globals(cmd);
      const e = await open();
      const date = o.asOf ?? e.today();
      const result = await e.person(org, name, date, o.knownAt);
      emit(result, formatPerson(result, date));
    });

  program
    .command('lineage')
    .description(
      "a unit's predecessors and successors through merges, splits, renames, moves and dissolution",
    )
    .argument('<unit>')
    .addOption(knownAt())
    .action(async (unit: string, o: { knownAt?: string }, cmd: Command) => {
      const { org } = globals(cmd);
      const result = await (await open()).lineage(org, unit, o.knownAt);
      emit(result, formatLineage(result));
    });

  program
    .command('business')
    .description("a business's owning units over time")
    .argument('<name>')
    .addOption(knownAt())
    .action(async (name: string, o: { knownAt?: string }, cmd: Command) => {
      const { org } = globals(cmd);
      const result = await (await open()).business(org, name, o.knownAt);
      emit(result, formatBusiness(result));
    });

  program
    .command('diff')
    .description('what changed after --from up to and including --to')
    .addOption(new Option('--from <date>').argParser(day('--from')).makeOptionMandatory())
    .addOption(new Option('--to <date>').argParser(day('--to')).makeOptionMandatory())
    .addOption(knownAt())
    .action(async (o: { from: string; to: string; knownAt?: string }, cmd: Command) => {
      const { org } = globals(cmd);
      const result = await (await open()).diff(org, o.from, o.to, o.knownAt);
      emit(result, formatDiff(result));
    });

  program
    .command('stats')
    .description('spans of control, layers, headcount per unit and over time, and health flags')
    .addOption(asOf())
    .addOption(
      new Option('--max-posts <n>', 'flag people with more posts than this').argParser(count('--max-posts')),
    )
    .addOption(
      new Option('--max-chain <n>', 'flag chains to the top longer than this').argParser(
        count('--max-chain'),
      ),
    )
    .addOption(knownAt())
    .action(
      async (o: { asOf?: string; maxPosts?: number; maxChain?: number; knownAt?: string }, cmd: Command) => {
        const { org } = globals(cmd);
        const e = await open();
        const result = await e.stats(
          org,
          o.asOf ?? e.today(),
          {
            ...(o.maxPosts !== undefined ? { maxPosts: o.maxPosts } : {}),
            ...(o.maxChain !== undefined ? { maxChain: o.maxChain } : {}),
          },
          o.knownAt,
        );
        emit(result, formatStats(result));
      },
    );

  const scenarios = async (org: string) => {
    const { ScenarioService } = await import('../engine/scenarios.ts');
    return new ScenarioService(await open(), org);
  };
  const scenario = program
    .command('scenario')
    .description('alternative sets of plans: branch, compare, rebase, apply');
  scenario
    .command('create')
    .description('branch a scenario from the applied history')
    .argument('<name>')
    .addOption(
      new Option('--date <date>', 'the day its organization is looked at (default: today)').argParser(
        day('--date'),
      ),
    )
    .action(async (name: string, o: { date?: string }, cmd: Command) => {
      const { org } = globals(cmd);
      const result = await (await scenarios(org)).create(name, o.date ?? (await open()).today(), 'cli');
      emit(result, `created scenario ${result.name} for ${result.date}`);
    });
  scenario
    .command('add')
    .description("add plan files to a scenario (each must apply after the scenario's plans)")
    .argument('<name>')
    .argument('<files...>')
    .action(async (name: string, files: string[], _o, cmd: Command) => {
      const { org } = globals(cmd);
      const service = await scenarios(org);
      let result: Awaited<ReturnType<typeof service.show>> | undefined;
      for (const { plan, source } of readPlans(files))
        result = await service.add(name, { file: plan.file, source });
      emit(result, `scenario ${name}: ${result?.plans.map((p) => p.id).join(', ')}`);
    });
  scenario.command('list').action(async (_o, cmd: Command) => {
    const { org } = globals(cmd);
    const list = await (await scenarios(org)).list();
    emit(
      { scenarios: list },
      list
        .map(
          (s) =>
            `${s.name.padEnd(24)} ${s.date}  ${s.state}${s.stale ? ' (stale: rebase)' : ''}  ${s.plans.map((p) => p.id).join(', ')}`,
        )
        .join('\n') || 'No scenarios.',
    );
  });
  scenario
    .command('show')
    .description("a scenario's plans and the tree it produces")
    .argument('<name>')
    .addOption(asOf())
    .action(async (name: string, o: { asOf?: string }, cmd: Command) => {
      const { org } = globals(cmd);
      const service = await scenarios(org);
      const summary = await service.show(name);
      const tree = await service.tree(name, o.asOf);
      emit(
        { ...summary, tree },
        `Scenario ${summary.name} (${summary.state}${summary.stale ? ', stale' : ''}): ${summary.plans.map((p) => p.id).join(', ') || 'no plans'}\n${formatTree(tree)}`,
      );
    });
  scenario
    .command('compare')
    .description("two scenarios side by side: how their organizations differ, and each one's impact")
    .argument('<first>')
    .argument('<second>')
    .action(async (first: string, second: string, _o, cmd: Command) => {
      const { org } = globals(cmd);
      const result = await (await scenarios(org)).compare(first, second);
      emit(
        result,
        [
          formatDiff({ from: first, to: second, changes: result.changes }).replace(
            /^Changes after .*$/m,
            `Differences on ${result.date}, ${first} → ${second}: ${result.changes.length}`,
          ),
          '',
          `${first}: ${formatImpact(result.impacts[first]!)}`,
          '',
          `${second}: ${formatImpact(result.impacts[second]!)}`,
        ].join('\n'),
      );
    });
  scenario
    .command('rebase')
    .description('move a scenario onto the organization as it is now, listing what no longer applies')
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const { org } = globals(cmd);
      const result = await (await scenarios(org)).rebase(name);
      for (const c of result.conflicts) {
        io.err(
          formatProblem({
            message: `dropped: ${c.reason}`,
            operation: c.operation,
            ...(c.location ? { location: c.location } : {}),
          }),
        );
      }
      emit(result, `rebased ${name}: ${result.conflicts.length} operation(s) no longer apply`);
    });
  scenario
    .command('apply')
    .description("apply a scenario's plans to the organization, all or nothing")
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const { org } = globals(cmd);
      const applied = await (await scenarios(org)).apply(name);
      emit({ applied }, applied.map((a) => `applied plan ${a.plan} (effective ${a.effective})`).join('\n'));
    });

  program
    .command('import')
    .description('import HRIS CSVs (units, people, posts) as dated plans, all or nothing')
    .option('--units <file>', 'unit_id,name,type,parent_id,valid_from,valid_to[,other_parent_ids,status]')
    .option('--people <file>', 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to')
    .option('--posts <file>', 'person_id,unit_id,post,valid_from,valid_to')
    .option('--lineage <file>', 'unit_id,successor_id,kind,date (merge, split, replace, rename)')
    .option('--root <name>', 'put units without a parent under a root of this name')
    .option(
      '--inclusive-end',
      "valid_to is a period's last day (as SAP's ENDDA); by default it is the day after (empty or 9999-12-31: still true)",
    )
    .option('--allow-partial', 'apply the valid rows even when some rows are rejected')
    .option(
      '--replace',
      'the files replace what earlier imports brought in: corrections and rows removed are applied as of now (give all the files)',
    )
    .option('--dry-run', 'check the import and show what it would change, day by day, storing nothing')
    .action(
      async (
        o: {
          units?: string;
          people?: string;
          posts?: string;
          lineage?: string;
          root?: string;
          inclusiveEnd?: boolean;
          allowPartial?: boolean;
          replace?: boolean;
          dryRun?: boolean;
        },
        cmd: Command,
      ) => {
        const { org } = globals(cmd);
        if (!o.units && !o.people && !o.posts)
          throw new UsageError('give at least one of --units, --people, --posts');
        const { IMPORT_FILES, importBytes, importOnThread, CLI_IMPORT_THREAD_MIN_BYTES, runImportJob } =
          await import('../engine/import-job.ts');
        const { progressBar } = await import('./output.ts');
        // One bar through the whole import: reading the files is its first fifth, checking the plans'
        // changes the next third or so, writing the facts the rest (about their shares of the time).
        const at = (from: number, width: number) => (stage: string, done: number, total: number) =>
          io.progress?.(
            `import ${progressBar(Math.round(1000 * (from + (width * done) / Math.max(total, 1))), 1000)} ${stage}`,
          );
        const show = at(0, 0.2);
        const checking = at(0.2, 0.35);
        const writing = at(0.55, 0.45);
        // Told only when there is a bar to draw (a terminal).
        const progress: ImportJobProgress = io.progress
          ? {
              reading: (p) => show(p.stage, p.done, p.total),
              applying: (stage, done, total) =>
                (stage === 'writing facts' ? writing : checking)(
                  `${stage}: ${done} of ${total} ${stage === 'writing facts' ? 'rows' : 'changes'}`,
                  done,
                  total,
                ),
            }
          : {};
        const files: ImportJob['files'] = {};
        for (const name of IMPORT_FILES) {
          const path = o[name];
          if (path !== undefined) files[name] = { file: path, path };
        }
        const job: ImportJob = {
          org,
          files,
          ...(o.root !== undefined ? { root: o.root } : {}),
          ...(o.inclusiveEnd ? { inclusiveEnd: true } : {}),
          allowPartial: o.allowPartial === true,
          replace: o.replace === true,
          dryRun: o.dryRun === true,
          // This process reads nothing else of the store while the import is written.
          alone: true,
          wording: 'cli',
        };
        const { db } = program.opts<GlobalOptions>();
        const outcome = await (async () => {
          try {
            // Large files on a thread of their own, whose heap may grow past this one's default (about
            // 4 GB) to what the machine has, or ORGSHIFT_IMPORT_HEAP_MB (which only that thread keeps
            // to: given, files of any size go there). The store is opened (and migrated) here first for
            // its errors, then let go: the thread's connection is then the file's only one, which the
            // import's one large commit goes fastest with.
            const heapMb = Number(process.env.ORGSHIFT_IMPORT_HEAP_MB ?? '') || undefined;
            if (heapMb === undefined && importBytes(files) < CLI_IMPORT_THREAD_MIN_BYTES)
              return await runImportJob(await open(), job, progress);
            const engine = await open();
            const now = engine.now();
            await engine.close();
            return await importOnThread(db, job, { now, progress, ...(heapMb ? { heapMb } : {}) });
          } finally {
            io.progress?.(null);
          }
        })();
        const { read, accepted, rejected, applied, replaced, planned, days } = outcome;
        const summary = `read ${read} rows: ${accepted} accepted, ${rejected.length} rejected`;
        for (const problem of rejected) io.err(formatProblem(problem));
        const inPlace =
          replaced.length > 0 ? `, in place of ${replaced.length} plans of earlier imports` : '';
        if (planned && days) {
          io.err(
            `${summary}; would apply ${planned.length} dated plans${inPlace}; nothing stored (--dry-run)`,
          );
          if (json) {
            io.out(
              JSON.stringify(
                {
                  read,
                  accepted,
                  rejected,
                  planned,
                  replaced,
                  days,
                },
                null,
                2,
              ),
            );
          } else {
            for (const day of days) io.out(`${day.effective}  changes: ${day.added} in, ${day.removed} out`);
          }
          return;
        }
        io.err(`${summary}; ${applied.length} dated plans applied${inPlace}`);
        if (json)
          io.out(
            JSON.stringify(
              {
                read,
                accepted,
                rejected,
                plans: applied.map((a) => a.plan),
                replaced,
              },
              null,
              2,
            ),
          );
      },
    );

  program
    .command('export')
    .description('the organization as CSV, JSON, W3C ORG (Turtle or JSON-LD), Mermaid or DOT, on stdout')
    .addOption(
      new Option('--format <format>', 'what to write').choices(formats.EXPORT_FORMATS).makeOptionMandatory(),
    )
    .addOption(asOf())
    .option('--unit <name>', 'Mermaid and DOT: the subtree under this unit')
    .addOption(
      new Option('--depth <n>', 'Mermaid and DOT: levels below the start').argParser(count('--depth')),
    )
    .option('--full', 'CSV: every period instead of those true on --as-of')
    .option('--inclusive-end', "CSV: valid_to as a period's last day (as import --inclusive-end reads it)")
    .addOption(knownAt())
    .action(
      async (
        o: {
          format: string;
          asOf?: string;
          unit?: string;
          depth?: number;
          full?: boolean;
          inclusiveEnd?: boolean;
          knownAt?: string;
        },
        cmd: Command,
      ) => {
        const { org } = globals(cmd);
        const e = await open();
        const asOfDay = o.asOf ?? e.today();
        const history = await e.history(org, o.knownAt);
        const { tree: treeOf } = await import('../core/queries.ts');
        const subtree = () => {
          const root = treeOf(history, asOfDay, {
            ...(o.unit !== undefined ? { unit: o.unit } : {}),
            ...(o.depth !== undefined ? { depth: o.depth } : {}),
          }).root;
          if (!root) throw new OrgshiftError('not_found', `no organization on ${asOfDay}`);
          return root;
        };
        const csvAsOf = o.full ? undefined : asOfDay;
        const ends = { inclusiveEnd: o.inclusiveEnd === true };
        const withNewline = function* (pieces: Iterable<string>) {
          yield* pieces;
          yield '\n';
        };
        const pieces: Record<string, () => Iterable<string>> = {
          'csv-units': () => formats.csvUnits(history, csvAsOf, ends),
          'csv-people': () => formats.csvPeople(history, csvAsOf, ends),
          'csv-posts': () => formats.csvPosts(history, csvAsOf, ends),
          'csv-lineage': () => formats.csvLineage(history, csvAsOf),
          json: () => withNewline(formats.exportJson(history, 2)),
          turtle: () => formats.exportTurtle(history, asOfDay),
          jsonld: () => withNewline(formats.exportJsonLd(history, asOfDay, undefined, 2)),
          mermaid: () => [formats.exportMermaid(subtree())],
          dot: () => [formats.exportDot(subtree())],
        };
        await io.write(pieces[o.format]!());
      },
    );

  program
    .command('seed-examples')
    .description('apply the example plans (examples/alibaba) that are not applied yet')
    .action(async (_o, cmd: Command) => {
      const { org } = globals(cmd);
      const applied = await seedExamples(await open(), org);
      for (const a of applied) io.err(`applied ${a.file}: plan ${a.plan}`);
      if (applied.length === 0) io.err(`all ${exampleFiles().length} example plans are already applied`);
      if (json) io.out(JSON.stringify({ applied }, null, 2));
    });

  program
    .command('migrate')
    .description('bring the store schema up to date')
    .action(async (_o, cmd: Command) => {
      globals(cmd);
      const e = await open();
      const applied = await e.store.migrate();
      emit(
        { migrated: true },
        `schema is up to date${applied.length > 0 ? ` (applied ${applied.join(', ')})` : ''}`,
      );
    });

  program
    .command('backup')
    .description('copy the whole store to FILE while it is in use (SQLite; PostgreSQL: pg_dump)')
    .argument('<file>')
    .action(async (file: string, _o, cmd: Command) => {
      globals(cmd);
      await (await open()).backup(file);
      io.err(`backed up ${program.opts<GlobalOptions>().db} to ${file}`);
    });

  program
    .command('restore')
    .description('replace the whole store with a backup made by `backup`')
    .argument('<file>')
    .action(async (file: string, _o, cmd: Command) => {
      globals(cmd);
      await (await open()).restore(file);
      io.err(`restored ${program.opts<GlobalOptions>().db} from ${file}`);
    });

  const accessFor = async (org: string) => {
    const { AccessService } = await import('../server/access.ts');
    return new AccessService(await open(), org);
  };
  const readPassword = async (): Promise<string> => {
    if (!io.stdin) throw new UsageError('the password is read from standard input');
    const text = await io.stdin();
    const password = text.replace(/\r?\n$/, '');
    if (password === '')
      throw new UsageError(
        'give the password on standard input, e.g. printf %s "$PASSWORD" | bin/orgshift user add ...',
      );
    return password;
  };

  const user = program.command('user').description('users and their grants on the organization');
  user
    .command('add')
    .description('add a user with a grant on --org; the password is read from standard input')
    .argument('<name>')
    .requiredOption('--role <role>', 'viewer, planner, approver or admin')
    .option('--scope <unit>', 'limit the grant to the subtree under this unit')
    .option('--confidential', 'let the user see levels and other confidential fields')
    .action(
      async (name: string, o: { role: string; scope?: string; confidential?: boolean }, cmd: Command) => {
        const { org } = globals(cmd);
        const password = await readPassword();
        await (await accessFor(org)).addUser(
          name,
          password,
          o.role,
          o.scope ?? null,
          o.confidential === true,
          'cli',
        );
        io.err(`added user ${name} as ${o.role}${o.scope ? ` of ${o.scope}` : ''}`);
      },
    );
  user
    .command('grant')
    .description("change a user's grant on --org; takes effect on their next request")
    .argument('<name>')
    .requiredOption('--role <role>', 'viewer, planner, approver or admin')
    .option('--scope <unit>', 'limit the grant to the subtree under this unit')
    .option('--confidential', 'let the user see levels and other confidential fields')
    .action(
      async (name: string, o: { role: string; scope?: string; confidential?: boolean }, cmd: Command) => {
        const { org } = globals(cmd);
        await (await accessFor(org)).setGrant(name, o.role, o.scope ?? null, o.confidential === true, 'cli');
        io.err(`${name} is now ${o.role}${o.scope ? ` of ${o.scope}` : ''}`);
      },
    );
  user
    .command('password')
    .description("set a user's password from standard input; their sessions end")
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const { org } = globals(cmd);
      const password = await readPassword();
      await (await accessFor(org)).setPassword(name, password, 'cli');
      io.err(`password of ${name} changed`);
    });
  user
    .command('list')
    .description('users and their grants on --org')
    .action(async (_o, cmd: Command) => {
      const { org } = globals(cmd);
      const e = await open();
      const orgRef = await e.store.ensureOrg(org, e.now());
      const users = await (await accessFor(org)).store.listUsers(orgRef.id);
      emit(
        { users },
        users
          .map(
            (u) =>
              `${u.name.padEnd(20)} ${u.role ?? '(no grant)'}${u.scope_unit ? ` of ${u.scope_unit}` : ''}${u.confidential ? ', confidential' : ''}`,
          )
          .join('\n') || 'No users.',
      );
    });

  program
    .command('token')
    .description('API tokens')
    .command('create')
    .description('print a new API token for a user (shown once; stored hashed)')
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const { org } = globals(cmd);
      const token = await (await accessFor(org)).createToken(name, 'cli');
      emit({ token }, token);
    });

  program
    .command('audit')
    .description('the audit log')
    .command('verify')
    .description('check that no audit row was edited, removed or reordered (exit 1 if one was)')
    .action(async (_o, cmd: Command) => {
      const { org } = globals(cmd);
      const { verifyAuditChain } = await import('../server/audit.ts');
      const rows = await (await accessFor(org)).store.auditRows();
      const problems = verifyAuditChain(rows);
      if (problems.length > 0) {
        throw new OrgshiftError(
          'conflict',
          'the audit log was tampered with',
          problems.map((message) => ({ message })),
        );
      }
      emit({ intact: true, rows: rows.length }, `audit log intact: ${rows.length} rows`);
    });

  program
    .command('serve')
    .description('serve the web page and JSON API')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option('--port <n>', 'port').argParser(count('--port')).default(Number(process.env.PORT ?? 3000)),
    )
    .option('--seed-examples', 'load the example organization first if the store has no plans')
    .action(async (o: { host: string; port: number; seedExamples?: boolean }, cmd: Command) => {
      const { org } = globals(cmd);
      const e = await open();
      await e.watch();
      if (o.seedExamples && (await e.plans(org)).length === 0) {
        for (const a of await seedExamples(e, org)) io.err(`applied example ${a.file}`);
      }
      const { serve } = await import('../server/serve.ts');
      const server = await serve(e, {
        host: o.host,
        port: o.port,
        org,
        target: program.opts<GlobalOptions>().db,
      });
      const password = await server.access.bootstrapAdmin();
      if (password !== null) {
        io.err(`No users yet: created "admin". Log in once with password ${password}`);
        io.err(
          '(shown only now: change it with "bin/orgshift user password admin", add users with "bin/orgshift user add")',
        );
      }
      io.err(`Orgshift is serving ${program.opts<GlobalOptions>().db} on http://${o.host}:${server.port}/`);
      await server.closed;
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      )
        return 0;
      if (error.code === 'commander.executeSubCommandAsync') return error.exitCode;
      return 2;
    }
    return reportError(io, error, json);
  } finally {
    await engine?.close();
  }
}
