/** Audit records as the console reads them (schema/audit.graphql). */
export interface AuditRecordRow {
  readonly sequence: number;
  readonly kind: string;
  readonly occurredAt: string;
  readonly subject: string | null;
  readonly department: string | null;
  readonly roles: readonly string[];
  readonly purpose: string | null;
  readonly mfa: boolean | null;
  readonly operationName: string | null;
  readonly decision: string;
  readonly grantedFields: readonly string[];
  readonly deniedFields: readonly { coordinate: string; policy: string }[];
  readonly personIds: readonly string[];
  readonly ruleVersion: string | null;
  readonly errorCodes: readonly string[];
  readonly detail: string | null;
  readonly caseReference: string | null;
}

export const RECORD_FIELDS = `sequence kind occurredAt subject department roles purpose mfa operationName decision
  grantedFields deniedFields { coordinate policy } personIds ruleVersion errorCodes detail caseReference`;

export interface AuditFilter {
  subject?: string;
  department?: string;
  personId?: string;
  field?: string;
  decision?: string;
  kind?: string;
  from?: string;
  to?: string;
}

/** Drops empty conditions: the API reads a given condition as one that must hold. */
export function cleanFilter(filter: AuditFilter): AuditFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => typeof value === 'string' && value.trim() !== '').map(([key, value]) => [key, (value as string).trim()]));
}

export interface Connection<T> {
  readonly records: T[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
