/**
 * `npm run check:classification` (also the first step of `npm run compose`): every field of every
 * subgraph SDL (federation internals aside) carries a classification — @authenticated,
 * @requiresScopes or @policy — and every policy the SDL names is one the gateway knows
 * (POLICY_NAMES) with a rule in policy/ (read and validated by loadPolicy, as the gateway
 * reads it). Fields that several subgraphs define (entity keys, @shareable value types) must be
 * classified alike: composition would otherwise require all of the classifications at once.
 * Every field of a person type carries a locating mark, `@tag(name: "locating")` or
 * `@tag(name: "non-locating")` (lib/authorization/locating.ts): the 支援措置 row rule is driven by it.
 * Exits 1 with the full list of problems.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, Source, type DocumentNode, type Location } from 'graphql';
import { fieldDefinitions, misplacedSecurityDirectives, readClassifications, unclassifiedFields } from '../lib/authorization/classification';
import { unmarkedPersonFields } from '../lib/authorization/locating';
import { loadPolicy } from '../lib/policy/load';
import { POLICY_NAMES, type FieldClassification } from '../lib/authorization/types';
import { SUBGRAPH_ENDPOINTS } from '../lib/subgraphs';
import { PROJECT_ROOT } from '../lib/project-root';

export interface ClassifiedSubgraph {
  readonly name: string;
  /** SDL file, relative to `rootDir` (or absolute). */
  readonly file: string;
}

export interface CheckClassificationOptions {
  readonly rootDir?: string;
  readonly subgraphs?: readonly ClassifiedSubgraph[];
  /** The rule folder, relative to `rootDir`; default `policy`. */
  readonly policyDir?: string;
}

export type ProblemKind = 'unreadable' | 'unclassified' | 'misplaced' | 'unknown-policy' | 'no-rule' | 'rules' | 'inconsistent' | 'unmarked';

export interface ClassificationProblem {
  readonly kind: ProblemKind;
  readonly message: string;
}

export interface ClassificationCheck {
  readonly problems: readonly ClassificationProblem[];
  /** Classified fields per subgraph. */
  readonly fields: Readonly<Record<string, number>>;
  readonly policiesUsed: readonly string[];
}

export const DEFAULT_CLASSIFIED_SUBGRAPHS: readonly ClassifiedSubgraph[] = SUBGRAPH_ENDPOINTS.map((endpoint) => ({ name: endpoint.name, file: endpoint.schemaFile }));

export function checkClassification(options: CheckClassificationOptions = {}): ClassificationCheck {
  const rootDir = options.rootDir ?? PROJECT_ROOT;
  const subgraphs = options.subgraphs ?? DEFAULT_CLASSIFIED_SUBGRAPHS;
  const problems: ClassificationProblem[] = [];
  const fields: Record<string, number> = {};
  /** policy name → first place it is used */
  const policyUses = new Map<string, string>();
  /** coordinate → the subgraphs defining it and their classification */
  const byCoordinate = new Map<string, { subgraph: string; where: string; classification: FieldClassification | undefined }[]>();

  for (const subgraph of subgraphs) {
    const absolute = path.resolve(rootDir, subgraph.file);
    const display = path.relative(rootDir, absolute) || absolute;
    let document: DocumentNode;
    try {
      document = parse(new Source(fs.readFileSync(absolute, 'utf8'), display));
    } catch (error) {
      problems.push({ kind: 'unreadable', message: `${display} (subgraph "${subgraph.name}"): ${(error as Error).message}` });
      continue;
    }
    const classifications = readClassifications(document);
    const unclassified = new Set(unclassifiedFields(document));
    fields[subgraph.name] = classifications.size;

    for (const { coordinate, node, exempt } of fieldDefinitions(document)) {
      const where = `${display}:${lineOf(node.loc)}`;
      if (unclassified.has(coordinate)) {
        problems.push({ kind: 'unclassified', message: `${coordinate} has no classification (@authenticated, @requiresScopes or @policy) at ${where}` });
      }
      const classification = classifications.get(coordinate);
      for (const conjunction of classification?.policies ?? []) {
        for (const policy of conjunction) if (!policyUses.has(policy)) policyUses.set(policy, `${coordinate} at ${where}`);
      }
      if (!exempt) {
        const list = byCoordinate.get(coordinate) ?? [];
        list.push({ subgraph: subgraph.name, where, classification });
        byCoordinate.set(coordinate, list);
      }
    }
    const marks = unmarkedPersonFields(document);
    const lineOfField = new Map(fieldDefinitions(document).map(({ coordinate, node }) => [coordinate, lineOf(node.loc)] as const));
    for (const coordinate of marks.unmarked) {
      problems.push({
        kind: 'unmarked',
        message: `${coordinate} (a field of a person type) is not marked @tag(name: "locating") or @tag(name: "non-locating") at ${display}:${lineOfField.get(coordinate)}: the 支援措置 row rule withholds the locating ones`,
      });
    }
    for (const coordinate of marks.contradictory) {
      problems.push({ kind: 'unmarked', message: `${coordinate} is marked both locating and non-locating at ${display}:${lineOfField.get(coordinate)}: keep one` });
    }
    for (const misplaced of misplacedSecurityDirectives(document)) {
      problems.push({
        kind: 'misplaced',
        message: `${misplaced.description} at ${display}:${lineOf(misplaced.node.loc)}: the gateway enforces field classifications only; classify each field instead`,
      });
    }
  }

  for (const [coordinate, definitions] of byCoordinate) {
    const classified = definitions.filter((definition) => definition.classification !== undefined);
    const distinct = new Set(classified.map((definition) => describeClassification(definition.classification)));
    if (distinct.size > 1) {
      problems.push({
        kind: 'inconsistent',
        message: `${coordinate} is classified differently by the subgraphs that define it (${classified
          .map((definition) => `${definition.subgraph}: ${describeClassification(definition.classification)} at ${definition.where}`)
          .join('; ')}): classify it the same in each`,
      });
    }
  }

  const known = new Set<string>(POLICY_NAMES);
  for (const [policy, where] of policyUses) {
    if (!known.has(policy)) problems.push({ kind: 'unknown-policy', message: `policy "${policy}" (used by ${where}) is not a policy the gateway knows (POLICY_NAMES in lib/authorization/types.ts)` });
  }
  const rules = rulePolicies(path.resolve(rootDir, options.policyDir ?? 'policy'));
  if ('error' in rules) {
    problems.push({ kind: 'rules', message: rules.error });
  } else {
    for (const [policy, where] of policyUses) {
      if (!rules.names.has(policy)) problems.push({ kind: 'no-rule', message: `policy "${policy}" (used by ${where}) has no rule in ${rules.source}` });
    }
  }
  return { problems, fields, policiesUsed: [...policyUses.keys()].sort() };
}

/** The policy names the rule folder gives a rule to, through the loader the gateway uses (validation included). */
function rulePolicies(policyDir: string): { names: ReadonlySet<string>; source: string } | { error: string } {
  const relative = path.relative(PROJECT_ROOT, policyDir);
  const display = relative === '' || relative.startsWith('..') ? policyDir : relative;
  try {
    const ruleSet = loadPolicy(policyDir);
    return { names: new Set(ruleSet.policies.keys()), source: path.join(display, 'policies.yaml') };
  } catch (error) {
    return { error: `the rules in ${display}/ cannot be loaded, so the policies the SDL names cannot be checked against them: ${(error as Error).message}` };
  }
}

function describeClassification(classification: FieldClassification | undefined): string {
  if (classification === undefined) return 'none';
  const parts: string[] = [];
  if (classification.authenticated) parts.push('@authenticated');
  const dnf = (value: string[][]) => JSON.stringify(value.map((conjunction) => [...conjunction].sort()).sort());
  if (classification.scopes) parts.push(`@requiresScopes(scopes: ${dnf(classification.scopes)})`);
  if (classification.policies) parts.push(`@policy(policies: ${dnf(classification.policies)})`);
  return parts.join(' ');
}

function lineOf(loc: Location | undefined): string {
  return loc ? String(loc.startToken.line) : '?';
}

export interface CheckClassificationCliOptions extends CheckClassificationOptions {
  readonly out?: (line: string) => void;
}

/** The command line, minus process.exit: returns the exit code. */
export function runCheckClassification(options: CheckClassificationCliOptions = {}): number {
  const print = options.out ?? ((line: string) => process.stderr.write(`${line}\n`));
  const result = checkClassification(options);
  if (result.problems.length > 0) {
    for (const problem of result.problems) print(`error [${problem.kind}] ${problem.message}`);
    print(`classification check failed with ${result.problems.length} problem(s)`);
    return 1;
  }
  const counts = Object.entries(result.fields).map(([name, count]) => `${name} ${count}`).join(', ');
  print(`every field is classified (${counts}); policies used: ${result.policiesUsed.join(', ')}; every person field is marked locating or non-locating`);
  return 0;
}

if (require.main === module) {
  if (process.argv.length > 2) {
    process.stderr.write(`usage: npm run check:classification\nunknown argument(s): ${process.argv.slice(2).join(' ')}\n`);
    process.exit(2);
  }
  process.exit(runCheckClassification());
}
