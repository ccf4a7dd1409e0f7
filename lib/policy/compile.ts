/**
 * The cross-checking compiler: policy-file sources → a typed, immutable PolicySet. Validates
 * the files as a whole (schema, references between files, contradictions); any problem is a
 * PolicyError naming file:line:column, and a folder with a problem is refused as a whole
 * (policy is never applied half-way). Nothing here reads the environment or keeps state.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { isMap, isScalar, type Node, type ParsedNode, type Scalar } from 'yaml';
import { POLICY_NAMES, type PolicyName } from '../authorization/types';
import { formatPosition, PolicyError, sortIssues, type PolicyIssue } from './errors';
import { displayPath, POLICY_FILE_NAMES, type PolicyFileName, type PolicySources } from './files';
import { suggestion } from './suggestion';
import {
  COST_MODES,
  POLICY_CLASSIFICATIONS,
  type BulkOutputBudget,
  type BulkOutputPolicy,
  type DepartmentEntry,
  type Grant,
  type MaskEntry,
  type LimitPolicy,
  type LimitProfile,
  type MfaRequirement,
  type CostMode,
  type PolicyClassification,
  type PolicyEntry,
  type PolicyFileHeader,
  type PolicySet,
  type PurposeEntry,
  type Revocation,
  type RoleEntry,
  type RowPolicy,
  type SourcePosition,
} from './types';
import { crossCheck, type PendingGrant, type Reference } from './cross-check';
import { describeNode, FileContext, type Field, type Fields } from './yaml-positions';

/** Validates rule-file sources into a PolicySet; throws PolicyError listing every problem. */
export function compilePolicy(sources: PolicySources): PolicySet {
  const issues: PolicyIssue[] = [];
  for (const stray of sources.strayFiles) {
    issues.push({
      file: displayPath(path.join(sources.dir, stray)),
      line: 1,
      column: 1,
      message: `"${stray}" is not a rule file and would be ignored (rule files are ${POLICY_FILE_NAMES.join(', ')})`,
    });
  }

  const contexts = new Map<PolicyFileName, FileContext>();
  const roots = new Map<PolicyFileName, ParsedNode | null>();
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

  const builder = new PolicySetBuilder();
  const headers: PolicyFileHeader[] = [];
  const bodies = new Map<PolicyFileName, Fields | undefined>();
  const bodyKey: Record<PolicyFileName, string> = {
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
    const optional = source.name === 'policies.yaml' ? ['rowRules', 'introspection', 'masks'] : [];
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
  const complete = POLICY_FILE_NAMES.every((name) => bodies.has(name));
  if (complete) builder.crossCheck();

  if (issues.length > 0) throw new PolicyError(sortIssues(issues));
  return builder.build(sources, headers);
}

// ───────────────────────────── building and checking ─────────────────────────────

/** Ids the gateway can receive as `purpose` (see gateway/auth/authenticate.ts PURPOSE_PATTERN). */
const PURPOSE_ID = /^[a-z][a-z0-9-]{0,63}$/;
/** Role and department ids: one token-claim word, no spaces. */
const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Stands in for invalid defaults while the profiles are checked. */
const UNCHECKED_LIMITS = { id: 'default', roles: null, departments: null, purposes: null, costBudget: 1, costMode: 'enforce', requestsPerMinute: 1, concurrentRequests: 1 } as const;

class PolicySetBuilder {
  private readonly purposeMap = new Map<string, PurposeEntry>();
  private readonly departmentMap = new Map<string, DepartmentEntry>();
  private readonly roleMap = new Map<string, RoleEntry>();
  private readonly policyMap = new Map<PolicyName, PolicyEntry>();
  private readonly maskMap = new Map<string, MaskEntry>();
  private readonly revocationMap = new Map<string, Revocation>();
  private supportMeasure: RowPolicy | undefined;
  private bulkOutputRules: BulkOutputPolicy | undefined;
  private limitRules: LimitPolicy | undefined;
  private introspection: PolicySet['introspection'] = { roles: [], allowInProduction: false };
  private readonly references: Reference[] = [];
  private readonly grants: PendingGrant[] = [];

  header(ctx: FileContext, top: Fields, bytes: Buffer): PolicyFileHeader | undefined {
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
      let inHouseLinkage: DepartmentEntry['inHouseLinkage'] | undefined = null;
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
    // Masks first: the grants below name them.
    const masksField = top.get('masks');
    if (masksField && isMap(masksField.value)) {
      for (const pair of masksField.value.items) {
        const key = pair.key;
        if (!isScalar(key) || typeof key.value !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(key.value)) {
          ctx.report(key as Node, 'mask names must be lower-case words with hyphens (e.g. last-four)');
          continue;
        }
        const f = ctx.fields(pair.value as ParsedNode | null, `mask "${key.value}"`, ['description', 'keepLast']);
        if (!f) continue;
        const description = ctx.text(f.get('description'), `mask "${key.value}": "description"`);
        // At most 4: a masked 個人番号 must not be a number (PPC guidance treats the last four as
        // the conventional confirmation; more would approach the number itself).
        const keepLast = ctx.integer(f.get('keepLast'), `mask "${key.value}": "keepLast"`, 0, 4);
        if (description === undefined || keepLast === undefined) continue;
        this.maskMap.set(key.value, { name: key.value, description, keepLast, source: ctx.source(key) });
      }
    } else if (masksField) {
      ctx.report(masksField.value ?? masksField.key, `"masks" must be a mapping from mask name to { description, keepLast }, got ${describeNode(masksField.value ?? null)}`);
    }
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
      const f = ctx.fields(node, what, ['mfa'], ['roles', 'departments', 'purposes', 'mask']);
      if (!f) {
        ok = false;
        continue;
      }
      const roles = f.has('roles') ? ctx.list(f.get('roles'), `${what}: "roles"`) : null;
      const departments = f.has('departments') ? ctx.list(f.get('departments'), `${what}: "departments"`) : null;
      const purposes = f.has('purposes') ? ctx.list(f.get('purposes'), `${what}: "purposes"`) : null;
      const mfa = ctx.oneOf<MfaRequirement>(f.get('mfa'), `${what}: "mfa"`, ['required', 'optional']);
      let mask: string | null | undefined = null;
      if (f.has('mask')) {
        mask = ctx.text(f.get('mask'), `${what}: "mask"`);
        if (mask !== undefined && classification === null) {
          ctx.report(f.get('mask')!.value, `${what}: "mask" applies to a policy's fields; ${owner} has no fields to mask`);
          mask = undefined;
        } else if (mask !== undefined && !this.maskMap.has(mask)) {
          ctx.report(f.get('mask')!.value, `${what} names unknown mask "${mask}"${suggestion(mask, [...this.maskMap.keys()])} (policies.yaml "masks" defines ${[...this.maskMap.keys()].join(', ') || 'none'})`);
          mask = undefined;
        }
      }
      if (roles === undefined || departments === undefined || purposes === undefined || mfa === undefined || mask === undefined) {
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
        mask,
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

  /** Cross-file references and contradictions (cross-check.ts). */
  crossCheck(): void {
    crossCheck({ role: this.roleMap, department: this.departmentMap, purpose: this.purposeMap }, this.references, this.grants);
  }

  build(sources: PolicySources, headers: PolicyFileHeader[]): PolicySet {
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
      masks: this.maskMap,
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

function normalisePerson(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}
