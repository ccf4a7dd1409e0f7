/**
 * The authorization rules as data: policy/*.yaml, owned by the ward's security officers.
 *
 * `loadRuleSet(dir)` reads the five rule files, validates them as a whole (schema, references
 * between files, contradictions) and returns a typed, immutable RuleSet; any problem is a
 * RuleFileError naming file:line:column, and a folder with a problem is refused as a whole
 * (rules are never applied half-way). Nothing here reads the environment or keeps state.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type ParsedNode, type Scalar } from 'yaml';
import { POLICY_NAMES, type PolicyName } from './types';

/** The rule files, in the order they are read, hashed and checked. */
export const RULE_FILE_NAMES = ['purposes.yaml', 'departments.yaml', 'roles.yaml', 'policies.yaml', 'revocations.yaml', 'bulk-output.yaml', 'limits.yaml'] as const;
export type RuleFileName = (typeof RULE_FILE_NAMES)[number];
/**
 * Files kept beside the rules that are not access rules (not part of the rule version): the
 * audit calendar the anomaly report reads (lib/audit/calendar.ts) and the contract definitions the
 * build reads (lib/contracts/definitions.ts). Any other YAML file is stray.
 */
export const COMPANION_FILE_NAMES = ['audit-calendar.yaml', 'contracts.yaml'] as const;

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** `policy/` at the repository root. */
export const DEFAULT_POLICY_DIR = path.join(PROJECT_ROOT, 'policy');

/** Where a rule came from, for messages and for the audit export (promise 14). */
export interface SourcePosition {
  /** The file as shown in messages: relative to the repository root when inside it (`policy/policies.yaml`). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface RuleFileIssue extends SourcePosition {
  /** The problem, without the position prefix. */
  readonly message: string;
}

/**
 * A rule folder that cannot be used. `file`, `line`, `column` point at the first problem;
 * `issues` lists every problem found (an officer fixes them all in one pass); `message` has one
 * line per issue, each `policy/policies.yaml:12:7: grant names unknown department "tax-divison"`.
 */
export class RuleFileError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly issues: readonly RuleFileIssue[];

  constructor(issues: readonly RuleFileIssue[]) {
    if (issues.length === 0) throw new Error('RuleFileError needs at least one issue');
    super(issues.map(formatIssue).join('\n'));
    this.name = 'RuleFileError';
    this.issues = issues;
    this.file = issues[0].file;
    this.line = issues[0].line;
    this.column = issues[0].column;
  }
}

export function formatIssue(issue: RuleFileIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

export type MfaRequirement = 'required' | 'optional';

/**
 * One `allow:` entry. Every condition that is present must hold; `null` means "any".
 * A principal matches a list when it has (or is) one of its entries.
 */
export interface Grant {
  readonly roles: readonly string[] | null;
  readonly departments: readonly string[] | null;
  readonly purposes: readonly string[] | null;
  readonly mfa: MfaRequirement;
  readonly source: SourcePosition;
}

export const POLICY_CLASSIFICATIONS = ['individual-number', 'personal', 'personal-sensitive', 'aggregate'] as const;
/** What a policy protects; `individual-number` carries extra checks (promises 1 and 4). */
export type PolicyClassification = (typeof POLICY_CLASSIFICATIONS)[number];

export interface PolicyRule {
  readonly name: PolicyName;
  readonly description: string;
  readonly classification: PolicyClassification;
  readonly allow: readonly Grant[];
  readonly source: SourcePosition;
}

export interface RowRule {
  readonly description: string;
  readonly allow: readonly Grant[];
  readonly source: SourcePosition;
}

export interface PurposeRule {
  readonly id: string;
  /** The 事務 as the ward writes it. */
  readonly name: string;
  readonly legalBasis: readonly string[];
  /** 個人番号利用事務: only such purposes may be granted an `individual-number` policy. */
  readonly individualNumberWork: boolean;
  /** The request must name its case (案件番号); enforced by the audit issue. */
  readonly caseReferenceRequired: boolean;
  readonly source: SourcePosition;
}

export interface DepartmentRule {
  readonly id: string;
  readonly name: string;
  /** The purposes (事務) this department is registered for. */
  readonly purposes: readonly string[];
  /** 庁内連携 (移転) with its legal basis (promise 8); null for the register's own departments and others. */
  readonly inHouseLinkage: { readonly legalBasis: readonly string[] } | null;
  readonly source: SourcePosition;
}

export interface RoleRule {
  readonly id: string;
  readonly description: string;
  readonly source: SourcePosition;
}

export interface Revocation {
  readonly subject: string;
  /** ISO 8601 as written in the file. */
  readonly revokedAt: string;
  readonly reason: string;
  readonly approvedBy: string;
  readonly source: SourcePosition;
}

/** The header every rule file carries (promise 4: a second officer approves every change). */
export interface RuleFileHeader {
  readonly file: string;
  /** The officers' own change number (`version:` in the file). */
  readonly version: string;
  readonly author: string;
  readonly approvedBy: string;
  /** sha256 of the file's bytes. */
  readonly sha256: string;
}

export const COST_MODES = ['enforce', 'measure'] as const;
/** enforce: refuse an operation over its budget; measure: answer it, log and record estimate and budget. */
export type CostMode = (typeof COST_MODES)[number];

/** What one user may ask of the gateway (limits.yaml): a profile, or the defaults (no conditions). */
export interface LimitProfile {
  /** `default` for the defaults. */
  readonly id: string;
  /** Conditions as in a grant (null = any); all null for the defaults. */
  readonly roles: readonly string[] | null;
  readonly departments: readonly string[] | null;
  readonly purposes: readonly string[] | null;
  /** The largest estimated cost of one operation (@cost/@listSize). */
  readonly costBudget: number;
  readonly costMode: CostMode;
  /** Requests per rolling minute, per user. */
  readonly requestsPerMinute: number;
  /** Requests of one user in progress at once. */
  readonly concurrentRequests: number;
  readonly source: SourcePosition;
}

export interface LimitRules {
  readonly defaults: LimitProfile;
  /** In file order: the first that matches a principal applies. */
  readonly profiles: readonly LimitProfile[];
}

export interface RuleSet {
  /** sha256 over the rule files' names and bytes: changes whenever any file changes. */
  readonly version: string;
  /** Absolute path of the folder the rules were read from. */
  readonly dir: string;
  readonly files: readonly RuleFileHeader[];
  readonly purposes: ReadonlyMap<string, PurposeRule>;
  readonly departments: ReadonlyMap<string, DepartmentRule>;
  readonly roles: ReadonlyMap<string, RoleRule>;
  /** Exactly one entry per POLICY_NAMES name. */
  readonly policies: ReadonlyMap<PolicyName, PolicyRule>;
  readonly rowRules: { readonly supportMeasure: RowRule };
  readonly introspection: { readonly roles: readonly string[]; readonly allowInProduction: boolean };
  /** Revoked token subjects (`sub`), from the HR system. */
  readonly revocations: ReadonlyMap<string, Revocation>;
  /** Cost budgets, rate and concurrency limits per user (limits.yaml). */
  readonly limits: LimitRules;
  /** Bulk output (大量出力, promise 7): persons per user, purpose and day; approvals' ceilings (bulk-output.yaml). */
  readonly bulkOutput: BulkOutputRules;
}

/** One purpose's daily budget of distinct persons per user (bulk-output.yaml `purposes`). */
export interface BulkOutputBudget {
  readonly purpose: string;
  readonly personsPerDay: number;
  readonly source: SourcePosition;
}

/** bulk-output.yaml: what a user may receive without the terminal manager's prior approval. */
export interface BulkOutputRules {
  /** The ward's clock the day is counted on, as written (`+09:00`), and in minutes east of UTC. */
  readonly utcOffset: string;
  readonly utcOffsetMinutes: number;
  /** Budget of a purpose not listed in `purposes`. */
  readonly defaultPersonsPerDay: number;
  readonly purposes: ReadonlyMap<string, BulkOutputBudget>;
  /** Ceilings on one approval (端末機管理責任者の承認): persons, and days from validFrom to validTo. */
  readonly approvals: { readonly maxPersons: number; readonly maxDays: number };
  readonly source: SourcePosition;
}

/** The raw bytes of a rule folder and their combined hash (the RuleSet version they would give). */
export interface RuleFileSources {
  readonly dir: string;
  readonly version: string;
  readonly files: readonly { readonly name: RuleFileName; readonly display: string; readonly bytes: Buffer | null; readonly readError?: string }[];
  /** `*.yaml` / `*.yml` files in the folder that are not rule files (a misnamed file is never silently ignored). */
  readonly strayFiles: readonly string[];
}

/** Reads and validates the rule folder; throws RuleFileError on any problem. */
export function loadRuleSet(dir: string = DEFAULT_POLICY_DIR): RuleSet {
  return compileRuleSet(readRuleFiles(dir));
}

/** Reads the rule files' bytes (no validation): the store compares versions before compiling. */
export function readRuleFiles(dir: string = DEFAULT_POLICY_DIR): RuleFileSources {
  const absolute = path.resolve(dir);
  const hash = createHash('sha256');
  const files = RULE_FILE_NAMES.map((name) => {
    const file = path.join(absolute, name);
    const display = displayPath(file);
    let bytes: Buffer | null = null;
    let readError: string | undefined;
    try {
      bytes = fs.readFileSync(file);
    } catch (error) {
      readError = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the rule file is missing' : `cannot read the rule file: ${describe(error)}`;
    }
    hash.update(`${name}\0${bytes === null ? -1 : bytes.length}\0`);
    if (bytes) hash.update(bytes);
    return readError === undefined ? { name, display, bytes } : { name, display, bytes, readError };
  });
  let strayFiles: string[] = [];
  try {
    strayFiles = fs
      .readdirSync(absolute)
      .filter((name) => /\.ya?ml$/i.test(name) && !(RULE_FILE_NAMES as readonly string[]).includes(name) && !(COMPANION_FILE_NAMES as readonly string[]).includes(name))
      .sort();
  } catch {
    // The folder itself is missing: every file reports it.
  }
  return { dir: absolute, version: hash.digest('hex'), files, strayFiles };
}

/** Validates rule-file sources into a RuleSet; throws RuleFileError listing every problem. */
export function compileRuleSet(sources: RuleFileSources): RuleSet {
  const issues: RuleFileIssue[] = [];
  for (const stray of sources.strayFiles) {
    issues.push({
      file: displayPath(path.join(sources.dir, stray)),
      line: 1,
      column: 1,
      message: `"${stray}" is not a rule file and would be ignored (rule files are ${RULE_FILE_NAMES.join(', ')})`,
    });
  }

  const contexts = new Map<RuleFileName, FileContext>();
  const roots = new Map<RuleFileName, ParsedNode | null>();
  for (const source of sources.files) {
    const ctx = new FileContext(source.display, issues);
    contexts.set(source.name, ctx);
    if (source.bytes === null) {
      ctx.reportAt({ line: 1, column: 1 }, source.readError ?? 'the rule file is missing');
      roots.set(source.name, null);
      continue;
    }
    roots.set(source.name, ctx.parse(source.bytes));
  }

  const builder = new RuleSetBuilder();
  const headers: RuleFileHeader[] = [];
  const bodies = new Map<RuleFileName, Fields | undefined>();
  const bodyKey: Record<RuleFileName, string> = {
    'purposes.yaml': 'purposes',
    'departments.yaml': 'departments',
    'roles.yaml': 'roles',
    'policies.yaml': 'policies',
    'revocations.yaml': 'revoked',
    'bulk-output.yaml': 'bulkOutput',
    'limits.yaml': 'limits',
  };
  for (const source of sources.files) {
    const ctx = contexts.get(source.name)!;
    const root = roots.get(source.name);
    if (root === null || root === undefined) continue;
    const optional = source.name === 'policies.yaml' ? ['rowRules', 'introspection'] : [];
    const top = ctx.fields(root, `${source.name} (top level)`, ['version', 'author', 'approvedBy', bodyKey[source.name]], optional);
    if (!top) continue;
    const header = builder.header(ctx, top, source.bytes!);
    if (header) headers.push(header);
    bodies.set(source.name, top);
  }

  const purposesTop = bodies.get('purposes.yaml');
  if (purposesTop) builder.purposes(contexts.get('purposes.yaml')!, purposesTop.get('purposes'));
  const rolesTop = bodies.get('roles.yaml');
  if (rolesTop) builder.roles(contexts.get('roles.yaml')!, rolesTop.get('roles'));
  const departmentsTop = bodies.get('departments.yaml');
  if (departmentsTop) builder.departments(contexts.get('departments.yaml')!, departmentsTop.get('departments'));
  const policiesTop = bodies.get('policies.yaml');
  if (policiesTop) builder.policyFile(contexts.get('policies.yaml')!, policiesTop, roots.get('policies.yaml')!);
  const revocationsTop = bodies.get('revocations.yaml');
  if (revocationsTop) builder.revocations(contexts.get('revocations.yaml')!, revocationsTop.get('revoked'));
  const bulkTop = bodies.get('bulk-output.yaml');
  if (bulkTop) builder.bulkOutput(contexts.get('bulk-output.yaml')!, bulkTop.get('bulkOutput'));
  const limitsTop = bodies.get('limits.yaml');
  if (limitsTop) builder.limits(contexts.get('limits.yaml')!, limitsTop.get('limits'));

  // References and contradictions need every file; only meaningful when each file could be read.
  const complete = RULE_FILE_NAMES.every((name) => bodies.has(name));
  if (complete) builder.crossCheck();

  if (issues.length > 0) throw new RuleFileError(sortIssues(issues));
  return builder.build(sources, headers);
}

// ───────────────────────────── reading YAML with positions ─────────────────────────────

interface Field {
  readonly key: Scalar;
  readonly value: ParsedNode | null;
}
type Fields = Map<string, Field>;

interface Position {
  readonly line: number;
  readonly column: number;
}

/** One file's parse state: turns node offsets into line:column and collects issues. */
class FileContext {
  private readonly lineCounter = new LineCounter();

  constructor(
    readonly display: string,
    private readonly issues: RuleFileIssue[],
  ) {}

  parse(bytes: Buffer): ParsedNode | null {
    const text = bytes.toString('utf8');
    if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(bytes)) {
      this.reportAt({ line: 1, column: 1 }, 'the file is not valid UTF-8');
      return null;
    }
    const doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: true, uniqueKeys: true, strict: true });
    if (doc.errors.length > 0) {
      // Later syntax errors usually follow from the first; one precise line helps more than a cascade.
      const [error] = doc.errors;
      const pos = error.linePos?.[0];
      const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML error(s) after it, probably caused by it)` : '';
      this.reportAt(pos ? { line: pos.line, column: pos.col } : { line: 1, column: 1 }, `YAML syntax: ${firstLine(error.message)}${more}`);
      return null;
    }
    if (doc.contents === null) {
      this.reportAt({ line: 1, column: 1 }, 'the file is empty');
      return null;
    }
    return doc.contents as ParsedNode;
  }

  position(node: Node | Pair | null | undefined): Position {
    const range = node && 'range' in node ? node.range : node && 'key' in node ? (node.key as Node | null)?.range : undefined;
    if (!range) return { line: 1, column: 1 };
    const { line, col } = this.lineCounter.linePos(range[0]);
    return { line, column: col };
  }

  source(node: Node | null | undefined): SourcePosition {
    return { file: this.display, ...this.position(node) };
  }

  report(node: Node | null | undefined, message: string): void {
    this.reportAt(this.position(node), message);
  }

  reportAt(position: Position, message: string): void {
    this.issues.push({ file: this.display, line: position.line, column: position.column, message });
  }

  /** A mapping with exactly the allowed keys; reports unknown and missing keys. */
  fields(node: ParsedNode | null | undefined, what: string, required: readonly string[], optional: readonly string[] = []): Fields | undefined {
    if (!this.notAlias(node, what)) return undefined;
    if (!isMap(node)) {
      this.report(node, `${what} must be a mapping (key: value lines)`);
      return undefined;
    }
    const allowed = [...required, ...optional];
    const result: Fields = new Map();
    for (const pair of node.items) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.report(key as Node, `${what}: keys must be plain words`);
        continue;
      }
      if (!allowed.includes(key.value)) {
        this.report(key, `unknown key "${key.value}" in ${what}${suggestion(key.value, allowed)} (allowed: ${allowed.join(', ')})`);
        continue;
      }
      result.set(key.value, { key, value: pair.value as ParsedNode | null });
    }
    for (const name of required) {
      if (!result.has(name)) this.report(node, `${what} is missing "${name}"`);
    }
    return result;
  }

  /** Non-empty text. Numbers are accepted only where `allowNumber` says so (e.g. `version: 3`). */
  text(field: Field | undefined, what: string, allowNumber = false): string | undefined {
    if (!field) return undefined;
    const node = field.value;
    if (!this.notAlias(node, what)) return undefined;
    if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') return node.value.trim();
    if (allowNumber && isScalar(node) && typeof node.value === 'number') return String(node.value);
    this.report(node ?? field.key, `${what} must be non-empty text, got ${describeNode(node)}`);
    return undefined;
  }

  /** A whole number within [min, max]. */
  integer(field: Field | undefined, what: string, min: number, max: number): number | undefined {
    if (!field) return undefined;
    const node = field.value;
    if (!this.notAlias(node, what)) return undefined;
    if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value) && node.value >= min && node.value <= max) return node.value;
    this.report(node ?? field.key, `${what} must be a whole number from ${min} to ${max}, got ${describeNode(node)}`);
    return undefined;
  }

  bool(field: Field | undefined, what: string): boolean | undefined {
    if (!field) return undefined;
    const node = field.value;
    if (!this.notAlias(node, what)) return undefined;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.report(node ?? field.key, `${what} must be true or false, got ${describeNode(node)}`);
    return undefined;
  }

  oneOf<T extends string>(field: Field | undefined, what: string, values: readonly T[]): T | undefined {
    if (!field) return undefined;
    const node = field.value;
    if (!this.notAlias(node, what)) return undefined;
    if (isScalar(node) && typeof node.value === 'string' && (values as readonly string[]).includes(node.value)) return node.value as T;
    const got = isScalar(node) && typeof node.value === 'string' ? `"${node.value}"${suggestion(node.value, values)}` : describeNode(node);
    this.report(node ?? field.key, `${what} must be one of ${values.join(', ')}, got ${got}`);
    return undefined;
  }

  /** A list of non-empty strings, each with its node (for reference checks). */
  list(field: Field | undefined, what: string, options: { allowEmpty?: boolean; unique?: boolean } = {}): { value: string; node: Scalar }[] | undefined {
    if (!field) return undefined;
    const node = field.value;
    if (!this.notAlias(node, what)) return undefined;
    if (!isSeq(node)) {
      this.report(node ?? field.key, `${what} must be a list ([a, b] or "- a" lines), got ${describeNode(node)}`);
      return undefined;
    }
    if (node.items.length === 0 && !options.allowEmpty) {
      this.report(node, `${what} is an empty list`);
      return undefined;
    }
    const result: { value: string; node: Scalar }[] = [];
    let ok = true;
    for (const item of node.items) {
      if (!this.notAlias(item, what)) {
        ok = false;
        continue;
      }
      if (!isScalar(item) || typeof item.value !== 'string' || item.value.trim() === '') {
        this.report(item, `${what}: every entry must be non-empty text, got ${describeNode(item)}`);
        ok = false;
        continue;
      }
      const value = item.value.trim();
      if (options.unique !== false && result.some((entry) => entry.value === value)) {
        this.report(item, `${what} lists "${value}" twice`);
        ok = false;
        continue;
      }
      result.push({ value, node: item });
    }
    return ok ? result : undefined;
  }

  /** A list of mappings (entries of a rule file). */
  entries(field: Field | undefined, what: string, allowEmpty = false): ParsedNode[] | undefined {
    if (!field) return undefined;
    const node = field.value;
    if (!this.notAlias(node, what)) return undefined;
    if (isScalar(node) && node.value === null && allowEmpty) return [];
    if (!isSeq(node)) {
      this.report(node ?? field.key, `${what} must be a list of entries ("- id: …"), got ${describeNode(node)}`);
      return undefined;
    }
    if (node.items.length === 0 && !allowEmpty) {
      this.report(node, `${what} is an empty list`);
      return undefined;
    }
    return node.items as ParsedNode[];
  }

  private notAlias(node: ParsedNode | null | undefined, what: string): boolean {
    if (isAlias(node)) {
      this.report(node, `${what}: YAML aliases (*name) are not allowed in rule files; write the value out`);
      return false;
    }
    return true;
  }
}

// ───────────────────────────── building and checking ─────────────────────────────

interface Reference {
  readonly kind: 'role' | 'department' | 'purpose';
  readonly id: string;
  readonly node: Scalar;
  readonly ctx: FileContext;
  readonly what: string;
}

interface PendingGrant {
  readonly grant: Grant;
  readonly ctx: FileContext;
  readonly node: ParsedNode;
  readonly departmentNodes: ReadonlyMap<string, Scalar>;
  readonly purposeNodes: ReadonlyMap<string, Scalar>;
  /** The policy it grants, or `rowRules.supportMeasure`. */
  readonly owner: string;
  readonly classification: PolicyClassification | null;
}

/** Ids the gateway can receive as `purpose` (see gateway/auth/authenticate.ts PURPOSE_PATTERN). */
const PURPOSE_ID = /^[a-z][a-z0-9-]{0,63}$/;
/** Role and department ids: one token-claim word, no spaces. */
const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Stands in for invalid defaults while the profiles are checked. */
const UNCHECKED_LIMITS = { id: 'default', roles: null, departments: null, purposes: null, costBudget: 1, costMode: 'enforce', requestsPerMinute: 1, concurrentRequests: 1 } as const;

class RuleSetBuilder {
  private readonly purposeMap = new Map<string, PurposeRule>();
  private readonly departmentMap = new Map<string, DepartmentRule>();
  private readonly roleMap = new Map<string, RoleRule>();
  private readonly policyMap = new Map<PolicyName, PolicyRule>();
  private readonly revocationMap = new Map<string, Revocation>();
  private supportMeasure: RowRule | undefined;
  private bulkOutputRules: BulkOutputRules | undefined;
  private limitRules: LimitRules | undefined;
  private introspection: RuleSet['introspection'] = { roles: [], allowInProduction: false };
  private readonly references: Reference[] = [];
  private readonly grants: PendingGrant[] = [];

  header(ctx: FileContext, top: Fields, bytes: Buffer): RuleFileHeader | undefined {
    const version = ctx.text(top.get('version'), '"version"', true);
    const author = ctx.text(top.get('author'), '"author"');
    const approvedBy = ctx.text(top.get('approvedBy'), '"approvedBy"');
    if (author !== undefined && approvedBy !== undefined && normalisePerson(author) === normalisePerson(approvedBy)) {
      ctx.report(top.get('approvedBy')!.value, `"approvedBy" must be a second officer, not the author "${author}" (promise 4: every rule change is checked by a second person)`);
      return undefined;
    }
    if (version === undefined || author === undefined || approvedBy === undefined) return undefined;
    return { file: ctx.display, version, author, approvedBy, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  purposes(ctx: FileContext, field: Field | undefined): void {
    for (const node of ctx.entries(field, '"purposes"') ?? []) {
      const f = ctx.fields(node, 'a purpose', ['id', 'name', 'legalBasis', 'individualNumberWork'], ['caseReferenceRequired']);
      if (!f) continue;
      const id = this.id(ctx, f, 'purpose', PURPOSE_ID, 'lower-case words joined by "-" (as in the X-Purpose header)');
      const name = ctx.text(f.get('name'), `purpose "${id ?? '?'}": "name"`);
      const legalBasis = ctx.list(f.get('legalBasis'), `purpose "${id ?? '?'}": "legalBasis"`);
      const individualNumberWork = ctx.bool(f.get('individualNumberWork'), `purpose "${id ?? '?'}": "individualNumberWork"`);
      const caseReferenceRequired = f.has('caseReferenceRequired') ? ctx.bool(f.get('caseReferenceRequired'), `purpose "${id ?? '?'}": "caseReferenceRequired"`) : false;
      if (id === undefined || name === undefined || !legalBasis || individualNumberWork === undefined || caseReferenceRequired === undefined) continue;
      if (this.duplicate(ctx, this.purposeMap, id, f, 'purpose')) continue;
      this.purposeMap.set(id, {
        id,
        name,
        legalBasis: legalBasis.map((entry) => entry.value),
        individualNumberWork,
        caseReferenceRequired,
        source: ctx.source(node),
      });
    }
  }

  roles(ctx: FileContext, field: Field | undefined): void {
    for (const node of ctx.entries(field, '"roles"') ?? []) {
      const f = ctx.fields(node, 'a role', ['id', 'description']);
      if (!f) continue;
      const id = this.id(ctx, f, 'role', PLAIN_ID, 'one word as in the token\'s "roles" claim');
      const description = ctx.text(f.get('description'), `role "${id ?? '?'}": "description"`);
      if (id === undefined || description === undefined) continue;
      if (this.duplicate(ctx, this.roleMap, id, f, 'role')) continue;
      this.roleMap.set(id, { id, description, source: ctx.source(node) });
    }
  }

  departments(ctx: FileContext, field: Field | undefined): void {
    for (const node of ctx.entries(field, '"departments"') ?? []) {
      const f = ctx.fields(node, 'a department', ['id', 'name', 'purposes'], ['inHouseLinkage']);
      if (!f) continue;
      const id = this.id(ctx, f, 'department', PLAIN_ID, 'one word as in the token\'s "department_id" claim');
      const label = `department "${id ?? '?'}"`;
      const name = ctx.text(f.get('name'), `${label}: "name"`);
      const purposes = ctx.list(f.get('purposes'), `${label}: "purposes"`);
      let inHouseLinkage: DepartmentRule['inHouseLinkage'] | undefined = null;
      const linkage = f.get('inHouseLinkage');
      if (linkage) {
        const lf = ctx.fields(linkage.value, `${label}: "inHouseLinkage"`, ['legalBasis']);
        const legalBasis = lf ? ctx.list(lf.get('legalBasis'), `${label}: "inHouseLinkage.legalBasis"`) : undefined;
        inHouseLinkage = legalBasis ? { legalBasis: legalBasis.map((entry) => entry.value) } : undefined;
      }
      if (id === undefined || name === undefined || !purposes || inHouseLinkage === undefined) continue;
      for (const purpose of purposes) this.references.push({ kind: 'purpose', id: purpose.value, node: purpose.node, ctx, what: `${label} is registered for` });
      if (this.duplicate(ctx, this.departmentMap, id, f, 'department')) continue;
      this.departmentMap.set(id, { id, name, purposes: purposes.map((entry) => entry.value), inHouseLinkage, source: ctx.source(node) });
    }
  }

  policyFile(ctx: FileContext, top: Fields, root: ParsedNode): void {
    const policiesField = top.get('policies');
    const policiesNode = policiesField?.value;
    if (policiesField && isMap(policiesNode)) {
      for (const pair of policiesNode.items) {
        const key = pair.key;
        if (!isScalar(key) || typeof key.value !== 'string') {
          ctx.report(key as Node, 'policy names must be plain words');
          continue;
        }
        const name = key.value;
        if (!(POLICY_NAMES as readonly string[]).includes(name)) {
          ctx.report(key, `unknown policy "${name}"${suggestion(name, POLICY_NAMES)}: the gateway knows ${POLICY_NAMES.join(', ')}`);
          continue;
        }
        this.policy(ctx, name as PolicyName, pair.value as ParsedNode | null, key);
      }
      for (const name of POLICY_NAMES) {
        if (!this.policyMap.has(name) && !policiesNode.items.some((pair) => isScalar(pair.key) && pair.key.value === name)) {
          ctx.report(policiesNode, `policy "${name}" has no rule: every policy the gateway knows must be listed (write "allow: []" to grant it to nobody)`);
        }
      }
    } else if (policiesField) {
      ctx.report(policiesNode ?? policiesField.key, `"policies" must be a mapping from policy name to its rule, got ${describeNode(policiesNode ?? null)}`);
    }

    const rowRules = top.get('rowRules');
    if (rowRules) {
      const rf = ctx.fields(rowRules.value, '"rowRules"', ['supportMeasure']);
      const sm = rf?.get('supportMeasure');
      if (sm) {
        const sf = ctx.fields(sm.value, '"rowRules.supportMeasure"', ['description', 'allow']);
        if (sf) {
          const description = ctx.text(sf.get('description'), '"rowRules.supportMeasure.description"');
          const allow = this.grantList(ctx, sf.get('allow'), 'rowRules.supportMeasure', null);
          if (description !== undefined && allow) this.supportMeasure = { description, allow, source: ctx.source(sm.value) };
        }
      }
    } else {
      ctx.report(root, 'policies.yaml (top level) is missing "rowRules" (rowRules.supportMeasure says who may see persons under 支援措置)');
    }

    const introspection = top.get('introspection');
    if (introspection) {
      const inf = ctx.fields(introspection.value, '"introspection"', ['roles', 'allowInProduction']);
      if (inf) {
        const roles = ctx.list(inf.get('roles'), '"introspection.roles"', { allowEmpty: true });
        const allowInProduction = ctx.bool(inf.get('allowInProduction'), '"introspection.allowInProduction"');
        for (const role of roles ?? []) this.references.push({ kind: 'role', id: role.value, node: role.node, ctx, what: 'introspection names' });
        if (roles && allowInProduction !== undefined) this.introspection = { roles: roles.map((entry) => entry.value), allowInProduction };
      }
    }
    // Without an `introspection` key nobody may introspect (deny by default).
  }

  private policy(ctx: FileContext, name: PolicyName, node: ParsedNode | null, key: Scalar): void {
    const f = ctx.fields(node ?? (key as ParsedNode), `policy "${name}"`, ['description', 'classification', 'allow']);
    if (!f) return;
    const description = ctx.text(f.get('description'), `policy "${name}": "description"`);
    const classification = ctx.oneOf(f.get('classification'), `policy "${name}": "classification"`, POLICY_CLASSIFICATIONS);
    const allow = this.grantList(ctx, f.get('allow'), name, classification ?? null);
    if (description === undefined || classification === undefined || !allow) return;
    this.policyMap.set(name, { name, description, classification, allow, source: ctx.source(key) });
  }

  private grantList(ctx: FileContext, field: Field | undefined, owner: string, classification: PolicyClassification | null): Grant[] | undefined {
    const nodes = ctx.entries(field, `${owner}: "allow"`, true);
    if (!nodes) return undefined;
    const grants: Grant[] = [];
    let ok = true;
    for (const node of nodes) {
      const what = `a grant of ${owner}`;
      const f = ctx.fields(node, what, ['mfa'], ['roles', 'departments', 'purposes']);
      if (!f) {
        ok = false;
        continue;
      }
      const roles = f.has('roles') ? ctx.list(f.get('roles'), `${what}: "roles"`) : null;
      const departments = f.has('departments') ? ctx.list(f.get('departments'), `${what}: "departments"`) : null;
      const purposes = f.has('purposes') ? ctx.list(f.get('purposes'), `${what}: "purposes"`) : null;
      const mfa = ctx.oneOf<MfaRequirement>(f.get('mfa'), `${what}: "mfa"`, ['required', 'optional']);
      if (roles === undefined || departments === undefined || purposes === undefined || mfa === undefined) {
        ok = false;
        continue;
      }
      if (roles === null && departments === null && purposes === null) {
        ctx.report(node, `${what} names none of roles, departments, purposes: it would allow every signed-in user (name at least one)`);
        ok = false;
        continue;
      }
      for (const role of roles ?? []) this.references.push({ kind: 'role', id: role.value, node: role.node, ctx, what: 'grant names' });
      for (const department of departments ?? []) this.references.push({ kind: 'department', id: department.value, node: department.node, ctx, what: 'grant names' });
      for (const purpose of purposes ?? []) this.references.push({ kind: 'purpose', id: purpose.value, node: purpose.node, ctx, what: 'grant names' });
      const grant: Grant = {
        roles: roles && roles.map((entry) => entry.value),
        departments: departments && departments.map((entry) => entry.value),
        purposes: purposes && purposes.map((entry) => entry.value),
        mfa,
        source: ctx.source(node),
      };
      grants.push(grant);
      this.grants.push({
        grant,
        ctx,
        node,
        departmentNodes: new Map((departments ?? []).map((entry) => [entry.value, entry.node])),
        purposeNodes: new Map((purposes ?? []).map((entry) => [entry.value, entry.node])),
        owner,
        classification,
      });
      if (classification === 'individual-number' && mfa !== 'required') {
        ctx.report(f.get('mfa')!.value, `${owner} protects individual numbers (classification individual-number): every grant must say "mfa: required" (promise 4: two factors for 個人番号)`);
      }
    }
    return ok ? grants : undefined;
  }

  revocations(ctx: FileContext, field: Field | undefined): void {
    for (const node of ctx.entries(field, '"revoked"', true) ?? []) {
      const f = ctx.fields(node, 'a revocation', ['subject', 'revokedAt', 'reason', 'approvedBy']);
      if (!f) continue;
      const subject = ctx.text(f.get('subject'), 'revocation: "subject"');
      const label = `revocation of "${subject ?? '?'}"`;
      const revokedAt = ctx.text(f.get('revokedAt'), `${label}: "revokedAt"`);
      const reason = ctx.text(f.get('reason'), `${label}: "reason"`);
      const approvedBy = ctx.text(f.get('approvedBy'), `${label}: "approvedBy"`);
      if (revokedAt !== undefined && !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(revokedAt)) {
        ctx.report(f.get('revokedAt')!.value, `${label}: "revokedAt" must be an ISO 8601 date or date-time with offset ("2026-10-15T09:00:00+09:00"), got "${revokedAt}"`);
        continue;
      }
      if (revokedAt !== undefined && Number.isNaN(Date.parse(revokedAt))) {
        ctx.report(f.get('revokedAt')!.value, `${label}: "revokedAt" is not a real date: "${revokedAt}"`);
        continue;
      }
      if (subject === undefined || revokedAt === undefined || reason === undefined || approvedBy === undefined) continue;
      if (this.revocationMap.has(subject)) {
        ctx.report(f.get('subject')!.value, `subject "${subject}" is revoked twice (first at ${formatPosition(this.revocationMap.get(subject)!.source)})`);
        continue;
      }
      this.revocationMap.set(subject, { subject, revokedAt, reason, approvedBy, source: ctx.source(node) });
    }
  }

  /** bulk-output.yaml's `bulkOutput` mapping (purposes are checked against purposes.yaml in crossCheck). */
  bulkOutput(ctx: FileContext, field: Field | undefined): void {
    if (!field) return;
    const f = ctx.fields(field.value, '"bulkOutput"', ['utcOffset', 'defaultPersonsPerDay', 'purposes', 'approvals']);
    if (!f) return;
    const utcOffset = ctx.text(f.get('utcOffset'), '"bulkOutput.utcOffset"');
    const offset = utcOffset === undefined ? undefined : /^([+-])(\d{2}):(\d{2})$/.exec(utcOffset);
    if (utcOffset !== undefined && (!offset || Number(offset[2]) > 14 || Number(offset[3]) > 59)) {
      ctx.report(f.get('utcOffset')!.value, `"bulkOutput.utcOffset" must look like "+09:00" (the ward's clock), got "${utcOffset}"`);
    }
    const defaultPersonsPerDay = ctx.integer(f.get('defaultPersonsPerDay'), '"bulkOutput.defaultPersonsPerDay"', 0, 10_000_000);
    const purposes = new Map<string, BulkOutputBudget>();
    for (const node of ctx.entries(f.get('purposes'), '"bulkOutput.purposes"', true) ?? []) {
      const entry = ctx.fields(node, 'a bulk-output budget', ['purpose', 'personsPerDay']);
      if (!entry) continue;
      const purpose = ctx.text(entry.get('purpose'), 'bulk-output budget: "purpose"');
      const personsPerDay = ctx.integer(entry.get('personsPerDay'), `bulk-output budget of "${purpose ?? '?'}": "personsPerDay"`, 0, 10_000_000);
      if (purpose === undefined || personsPerDay === undefined) continue;
      const existing = purposes.get(purpose);
      if (existing) {
        ctx.report(entry.get('purpose')!.value, `purpose "${purpose}" has two bulk-output budgets (first at ${formatPosition(existing.source)})`);
        continue;
      }
      this.references.push({ kind: 'purpose', id: purpose, node: entry.get('purpose')!.value as Scalar, ctx, what: 'bulk-output budget names' });
      purposes.set(purpose, { purpose, personsPerDay, source: ctx.source(node) });
    }
    const approvalsField = f.get('approvals');
    const af = approvalsField ? ctx.fields(approvalsField.value, '"bulkOutput.approvals"', ['maxPersons', 'maxDays']) : undefined;
    const maxPersons = af ? ctx.integer(af.get('maxPersons'), '"bulkOutput.approvals.maxPersons"', 1, 10_000_000) : undefined;
    const maxDays = af ? ctx.integer(af.get('maxDays'), '"bulkOutput.approvals.maxDays"', 1, 366) : undefined;
    if (!offset || utcOffset === undefined || defaultPersonsPerDay === undefined || maxPersons === undefined || maxDays === undefined) return;
    const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === '-' ? -1 : 1);
    this.bulkOutputRules = Object.freeze({
      utcOffset,
      utcOffsetMinutes: minutes,
      defaultPersonsPerDay,
      purposes,
      approvals: Object.freeze({ maxPersons, maxDays }),
      source: ctx.source(field.value),
    });
  }

  limits(ctx: FileContext, field: Field | undefined): void {
    const f = field ? ctx.fields(field.value, '"limits"', ['defaults'], ['profiles']) : undefined;
    const defaultsField = f?.get('defaults');
    if (!f || !defaultsField) return;
    const defaults = this.limitProfile(ctx, defaultsField.value, null);
    const profiles: LimitProfile[] = [];
    let ok = defaults !== undefined;
    for (const node of f.has('profiles') ? (ctx.entries(f.get('profiles'), '"limits.profiles"', true) ?? []) : []) {
      // Checked even when the defaults are not valid (every problem in one pass); then not used.
      const profile = this.limitProfile(ctx, node, defaults ?? { ...UNCHECKED_LIMITS, source: ctx.source(node) });
      if (!profile) {
        ok = false;
        continue;
      }
      const first = profiles.find((other) => other.id === profile.id);
      if (first) {
        ctx.report(node, `duplicate limit profile id "${profile.id}" (first defined at ${formatPosition(first.source)})`);
        ok = false;
        continue;
      }
      profiles.push(profile);
    }
    if (ok && defaults) this.limitRules = { defaults, profiles };
  }

  /** A limit profile (with conditions and an id) or, when `defaults` is null, the defaults (every limit, no conditions). */
  private limitProfile(ctx: FileContext, node: ParsedNode | null, defaults: LimitProfile | null): LimitProfile | undefined {
    const limitKeys = ['costBudget', 'costMode', 'requestsPerMinute', 'concurrentRequests'];
    const f = defaults === null ? ctx.fields(node, '"limits.defaults"', limitKeys) : ctx.fields(node, 'a limit profile', ['id'], ['roles', 'departments', 'purposes', ...limitKeys]);
    if (!f) return undefined;
    const id = defaults === null ? 'default' : this.id(ctx, f, 'limit profile', PLAIN_ID, 'one word naming the profile (for logs and the audit trail)');
    const label = `limit profile "${id ?? '?'}"`;
    const conditions = { roles: null, departments: null, purposes: null } as { roles: string[] | null; departments: string[] | null; purposes: string[] | null };
    let ok = id !== undefined;
    for (const kind of ['roles', 'departments', 'purposes'] as const) {
      if (!f.has(kind)) continue;
      const list = ctx.list(f.get(kind), `${label}: "${kind}"`);
      if (!list) {
        ok = false;
        continue;
      }
      const refKind = ({ roles: 'role', departments: 'department', purposes: 'purpose' } as const)[kind];
      for (const entry of list) this.references.push({ kind: refKind, id: entry.value, node: entry.node, ctx, what: `${label} names` });
      conditions[kind] = list.map((entry) => entry.value);
    }
    if (defaults !== null && conditions.roles === null && conditions.departments === null && conditions.purposes === null && ok) {
      ctx.report(node, `${label} names none of roles, departments, purposes: it would apply to every user (change "defaults" instead)`);
      ok = false;
    }
    const costBudget = f.has('costBudget') ? ctx.integer(f.get('costBudget'), `${label}: "costBudget"`, 1, 1_000_000_000) : defaults?.costBudget;
    const costMode = f.has('costMode') ? ctx.oneOf<CostMode>(f.get('costMode'), `${label}: "costMode"`, COST_MODES) : defaults?.costMode;
    const requestsPerMinute = f.has('requestsPerMinute') ? ctx.integer(f.get('requestsPerMinute'), `${label}: "requestsPerMinute"`, 1, 1_000_000) : defaults?.requestsPerMinute;
    const concurrentRequests = f.has('concurrentRequests') ? ctx.integer(f.get('concurrentRequests'), `${label}: "concurrentRequests"`, 1, 10_000) : defaults?.concurrentRequests;
    if (!ok || id === undefined || costBudget === undefined || costMode === undefined || requestsPerMinute === undefined || concurrentRequests === undefined) return undefined;
    return { id, ...conditions, costBudget, costMode, requestsPerMinute, concurrentRequests, source: ctx.source(node) };
  }

  /** Cross-file references and contradictions. */
  crossCheck(): void {
    const known = { role: this.roleMap, department: this.departmentMap, purpose: this.purposeMap } as const;
    const unresolved = new Set<Scalar>();
    for (const ref of this.references) {
      const map = known[ref.kind];
      if (map.has(ref.id)) continue;
      unresolved.add(ref.node);
      const file = { role: 'roles.yaml', department: 'departments.yaml', purpose: 'purposes.yaml' }[ref.kind];
      ref.ctx.report(ref.node, `${ref.what} unknown ${ref.kind} "${ref.id}"${suggestion(ref.id, [...map.keys()])} (not in ${file})`);
    }

    for (const pending of this.grants) {
      const { grant, ctx, owner } = pending;
      const departments = grant.departments?.map((id) => this.departmentMap.get(id)).filter((d): d is DepartmentRule => d !== undefined);
      if (grant.purposes) {
        for (const purposeId of grant.purposes) {
          const purpose = this.purposeMap.get(purposeId);
          const node = pending.purposeNodes.get(purposeId)!;
          if (!purpose || unresolved.has(node)) continue;
          if (departments) {
            if (departments.length > 0 && !departments.some((d) => d.purposes.includes(purposeId))) {
              ctx.report(node, `grant of ${owner} names purpose "${purposeId}", but none of its departments (${grant.departments!.join(', ')}) is registered for it in departments.yaml: the grant can never apply`);
            }
          } else if (![...this.departmentMap.values()].some((d) => d.purposes.includes(purposeId))) {
            ctx.report(node, `grant of ${owner} names purpose "${purposeId}", but no department is registered for it in departments.yaml: the grant can never apply`);
          }
          if (pending.classification === 'individual-number' && !purpose.individualNumberWork) {
            ctx.report(node, `${owner} protects individual numbers but is granted to purpose "${purposeId}" (${purpose.name}), which is not individual-number work (individualNumberWork: false at ${formatPosition(purpose.source)}) (promise 1)`);
          }
        }
        if (departments) {
          for (const department of departments) {
            const node = pending.departmentNodes.get(department.id)!;
            if (!grant.purposes.some((purposeId) => department.purposes.includes(purposeId))) {
              ctx.report(node, `grant of ${owner} names department "${department.id}", which is registered for none of the grant's purposes (${grant.purposes.join(', ')}): that part of the grant can never apply`);
            }
          }
        }
      } else if (pending.classification === 'individual-number') {
        ctx.report(pending.node, `${owner} protects individual numbers: each grant must list its "purposes", all of them individual-number work (promise 1)`);
      }
    }
  }

  build(sources: RuleFileSources, headers: RuleFileHeader[]): RuleSet {
    if (!this.supportMeasure) throw new Error('internal: rowRules.supportMeasure missing without an issue');
    if (!this.bulkOutputRules) throw new Error('internal: bulkOutput missing without an issue');
    if (!this.limitRules) throw new Error('internal: limits missing without an issue');
    return Object.freeze({
      version: sources.version,
      dir: sources.dir,
      files: Object.freeze(headers),
      purposes: this.purposeMap,
      departments: this.departmentMap,
      roles: this.roleMap,
      policies: this.policyMap,
      rowRules: Object.freeze({ supportMeasure: this.supportMeasure }),
      introspection: Object.freeze(this.introspection),
      revocations: this.revocationMap,
      bulkOutput: this.bulkOutputRules,
      limits: Object.freeze(this.limitRules),
    });
  }

  private id(ctx: FileContext, f: Fields, kind: string, pattern: RegExp, shape: string): string | undefined {
    const id = ctx.text(f.get('id'), `${kind} "id"`);
    if (id === undefined) return undefined;
    if (!pattern.test(id)) {
      ctx.report(f.get('id')!.value, `${kind} id "${id}" is not a valid id: use ${shape}`);
      return undefined;
    }
    return id;
  }

  private duplicate(ctx: FileContext, map: ReadonlyMap<string, { source: SourcePosition }>, id: string, f: Fields, kind: string): boolean {
    const existing = map.get(id);
    if (!existing) return false;
    ctx.report(f.get('id')!.value, `duplicate ${kind} id "${id}" (first defined at ${formatPosition(existing.source)})`);
    return true;
  }
}

// ───────────────────────────── small helpers ─────────────────────────────

function displayPath(file: string): string {
  const relative = path.relative(PROJECT_ROOT, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}

function formatPosition(source: SourcePosition): string {
  return `${source.file}:${source.line}:${source.column}`;
}

function sortIssues(issues: RuleFileIssue[]): RuleFileIssue[] {
  const order = (file: string) => {
    const index = RULE_FILE_NAMES.findIndex((name) => file.endsWith(`/${name}`) || file === name);
    return index === -1 ? -1 : index;
  };
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => order(a.issue.file) - order(b.issue.file) || a.issue.line - b.issue.line || a.issue.column - b.issue.column || a.index - b.index)
    .map(({ issue }) => issue);
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function describeNode(node: ParsedNode | Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isScalar(node)) {
    if (node.value === null) return 'nothing';
    if (typeof node.value === 'string') return `"${node.value}"`;
    return `${typeof node.value} ${String(node.value)}`;
  }
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  return 'an alias';
}

function normalisePerson(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** ` (did you mean "x"?)` for a close known word, else ''. */
function suggestion(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const threshold = Math.max(2, Math.floor(word.length / 3));
  if (best !== undefined && bestDistance <= threshold) return ` (did you mean "${best}"?)`;
  // A prefix or part of a known id ("tax-division" for "taxation-division").
  const partial = candidates.find((candidate) => word.length >= 3 && (candidate.includes(word) || word.includes(candidate)));
  return partial ? ` (did you mean "${partial}"?)` : '';
}

function levenshtein(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}
