// The reporting rules, once, for every place that asks them: a snapshot, a day of the diff, and the
// organization being built.

/** What the rules need to know of an organization on one day. */
export interface ReportingTree {
  /** The manager of the person's explicit solid line, if that manager is in the organization; else null. */
  solidManager(person: string): string | null;
  /** The person's unit, or undefined if they are not in the organization. */
  unitOf(person: string): string | undefined;
  headOf(unit: string): string | null;
  parentOf(unit: string): string | null;
  children(unit: string): Iterable<string>;
}

/** The nearest head strictly above `unit` who is not `except`. */
export function headAbove(tree: ReportingTree, unit: string, except: string | null): string | null {
  const seen = new Set<string>();
  let current = tree.parentOf(unit);
  while (current !== null && !seen.has(current)) {
    seen.add(current);
    const head = tree.headOf(current);
    if (head !== null && head !== except) return head;
    current = tree.parentOf(current);
  }
  return null;
}

/**
 * The person's manager: an explicit solid line if there is one; otherwise the head of their unit;
 * for the head themselves, or under a vacant head post, the nearest head above.
 */
export function managerOf(tree: ReportingTree, person: string): string | null {
  const solid = tree.solidManager(person);
  if (solid !== null) return solid;
  const unit = tree.unitOf(person);
  if (unit === undefined) return null;
  const head = tree.headOf(unit);
  return head !== null && head !== person ? head : headAbove(tree, unit, person);
}

/**
 * The units whose members and heads may report to someone else because `unit` changed (its head,
 * its parent, or its being): the unit itself, and below it every unit reached through units without
 * a head (their people look further up for a head). `visit` sees each once.
 */
export function headShadow(tree: ReportingTree, unit: string, visit: (unit: string) => void): void {
  const stack = [unit];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    visit(current);
    for (const child of tree.children(current)) {
      if (seen.has(child)) continue;
      if (tree.headOf(child) === null) stack.push(child);
      else {
        seen.add(child);
        visit(child);
      }
    }
  }
}
