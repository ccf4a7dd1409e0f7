/**
 * Reading YAML with positions: one policy file's parse state, turning node offsets into
 * line:column and collecting issues (never throwing), so that one pass reports every problem
 * as `policy/policies.yaml:12:7: …`.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type ParsedNode, type Scalar } from 'yaml';
import type { PolicyIssue } from './errors';
import { suggestion } from './suggestion';
import type { SourcePosition } from './types';

export interface Field {
  readonly key: Scalar;
  readonly value: ParsedNode | null;
}
export type Fields = Map<string, Field>;

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** One file's parse state: turns node offsets into line:column and collects issues. */
export class FileContext {
  private readonly lineCounter = new LineCounter();

  constructor(
    readonly display: string,
    private readonly issues: PolicyIssue[],
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

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** What a node is, for messages ("a list", "\"x\"", "number 3"). */
export function describeNode(node: ParsedNode | Node | null | undefined): string {
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
