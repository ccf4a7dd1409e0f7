/**
 * The cross-file checks of the policy compiler: every reference to a role, department or purpose
 * resolves, and no grant contradicts the departments' registrations or promise 1 (individual
 * numbers only for individual-number work). Reports through each file's FileContext.
 */
import type { ParsedNode, Scalar } from 'yaml';
import { formatPosition } from './errors';
import { suggestion } from './suggestion';
import type { DepartmentEntry, Grant, PolicyClassification, PurposeEntry, RoleEntry } from './types';
import type { FileContext } from './yaml-positions';

export interface Reference {
  readonly kind: 'role' | 'department' | 'purpose';
  readonly id: string;
  readonly node: Scalar;
  readonly ctx: FileContext;
  readonly what: string;
}

export interface PendingGrant {
  readonly grant: Grant;
  readonly ctx: FileContext;
  readonly node: ParsedNode;
  readonly departmentNodes: ReadonlyMap<string, Scalar>;
  readonly purposeNodes: ReadonlyMap<string, Scalar>;
  /** The policy it grants, or `rowRules.supportMeasure`. */
  readonly owner: string;
  readonly classification: PolicyClassification | null;
}

/** The ids each file defines. */
export interface KnownIds {
  readonly role: ReadonlyMap<string, RoleEntry>;
  readonly department: ReadonlyMap<string, DepartmentEntry>;
  readonly purpose: ReadonlyMap<string, PurposeEntry>;
}

/** Cross-file references and contradictions: needs every file, so runs last, only when each file could be read. */
export function crossCheck(known: KnownIds, references: readonly Reference[], grants: readonly PendingGrant[]): void {
  const unresolved = new Set<Scalar>();
  for (const ref of references) {
    const map = known[ref.kind];
    if (map.has(ref.id)) continue;
    unresolved.add(ref.node);
    const file = { role: 'roles.yaml', department: 'departments.yaml', purpose: 'purposes.yaml' }[ref.kind];
    ref.ctx.report(ref.node, `${ref.what} unknown ${ref.kind} "${ref.id}"${suggestion(ref.id, [...map.keys()])} (not in ${file})`);
  }

  for (const pending of grants) {
    const { grant, ctx, owner } = pending;
    const departments = grant.departments?.map((id) => known.department.get(id)).filter((d): d is DepartmentEntry => d !== undefined);
    if (grant.purposes) {
      for (const purposeId of grant.purposes) {
        const purpose = known.purpose.get(purposeId);
        const node = pending.purposeNodes.get(purposeId)!;
        if (!purpose || unresolved.has(node)) continue;
        if (departments) {
          if (departments.length > 0 && !departments.some((d) => d.purposes.includes(purposeId))) {
            ctx.report(node, `grant of ${owner} names purpose "${purposeId}", but none of its departments (${grant.departments!.join(', ')}) is registered for it in departments.yaml: the grant can never apply`);
          }
        } else if (![...known.department.values()].some((d) => d.purposes.includes(purposeId))) {
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
