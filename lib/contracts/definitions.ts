/**
 * Contract definitions (policy/contracts.yaml): which parts of the graph a network segment's
 * gateway must not even have in its schema. A contract names what it removes — policies,
 * policy classifications (policies.yaml `classification:`) and `@tag` names — and the build
 * (`npm run compose`, lib/contracts/filter.ts) filters every subgraph SDL accordingly before it
 * composes the contract's supergraph. Owned by the security officers like the rules; not an
 * access rule (it changes what is built, not who may read what), so it is not part of the rule
 * version. Validated as a whole: a problem names file:line:column.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { POLICY_NAMES } from '../authorization/types';
import { POLICY_CLASSIFICATIONS } from '../policy/types';

export const CONTRACTS_FILE_NAME = 'contracts.yaml';
/** The uncut graph: not a contract, never definable (its API schema is schema/api/full.graphql). */
export const FULL_CONTRACT = 'full';
const CONTRACT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export interface ContractRemoval {
  /** Fields whose @policy names any of these are removed. */
  readonly policies: readonly string[];
  /** Fields whose @policy names a policy of any of these classifications are removed. */
  readonly classifications: readonly string[];
  /** Fields carrying @tag(name:) with any of these names are removed. */
  readonly tags: readonly string[];
}

export interface ContractDefinition {
  readonly name: string;
  readonly description: string;
  /** The network segment it serves (README "Contracts"), e.g. LGWAN接続系. */
  readonly segment: string;
  readonly remove: ContractRemoval;
}

export interface ContractFile {
  readonly version: string;
  readonly contracts: readonly ContractDefinition[];
}

export class ContractFileError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid contract definitions:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ContractFileError';
  }
}

/** Reads and validates policy/contracts.yaml; throws ContractFileError with every problem. */
export function loadContracts(policyDir: string): ContractFile {
  const file = path.join(policyDir, CONTRACTS_FILE_NAME);
  return parseContracts(fs.readFileSync(file, 'utf8'), displayPath(file));
}

export function parseContracts(text: string, display: string = `policy/${CONTRACTS_FILE_NAME}`): ContractFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems: string[] = [];
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    return `${display}:${line}:${col}`;
  };
  for (const error of document.errors) {
    const position = error.linePos?.[0];
    problems.push(`${display}:${position?.line ?? 1}:${position?.col ?? 1}: ${error.message}`);
  }
  if (problems.length > 0) throw new ContractFileError(problems);

  const root = document.contents;
  if (!isMap(root)) throw new ContractFileError([`${at(root)}: expected a mapping with version, author, approvedBy and contracts`]);
  const known = ['version', 'author', 'approvedBy', 'contracts'];
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!known.includes(key)) problems.push(`${at(pair.key as Node)}: unknown key "${key}" (expected ${known.join(', ')})`);
  }
  const text_ = (key: string, parent: typeof root, where: Node): string => {
    const value = parent.get(key, true) as Node | undefined;
    const raw: unknown = isScalar(value) ? value.value : undefined;
    if (typeof raw !== 'string' || raw.trim() === '') {
      problems.push(`${at(value ?? where)}: "${key}" must be a non-empty string`);
      return '';
    }
    return raw;
  };
  const version = text_('version', root, root);
  const author = text_('author', root, root);
  const approvedBy = text_('approvedBy', root, root);
  if (author !== '' && author === approvedBy) problems.push(`${at(root.get('approvedBy', true) as Node)}: approvedBy must be a second officer, not the author`);

  const contracts: ContractDefinition[] = [];
  const contractsNode = root.get('contracts', true);
  if (!isMap(contractsNode)) problems.push(`${at(contractsNode ?? root)}: "contracts" must be a mapping of contract name → definition`);
  else {
    for (const pair of contractsNode.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      const where = pair.key as Node;
      if (!CONTRACT_NAME.test(name)) problems.push(`${at(where)}: contract name "${name}" must match ${CONTRACT_NAME.source}`);
      if (name === FULL_CONTRACT) problems.push(`${at(where)}: "${FULL_CONTRACT}" is the uncut graph and cannot be defined as a contract`);
      const body = pair.value;
      if (!isMap(body)) {
        problems.push(`${at((body as Node) ?? where)}: contract "${name}" must be a mapping with description, segment and remove`);
        continue;
      }
      const bodyKeys = ['description', 'segment', 'remove'];
      for (const item of body.items) {
        const key = isScalar(item.key) ? String(item.key.value) : '';
        if (!bodyKeys.includes(key)) problems.push(`${at(item.key as Node)}: unknown key "${key}" in contract "${name}" (expected ${bodyKeys.join(', ')})`);
      }
      const description = text_('description', body as typeof root, where);
      const segment = text_('segment', body as typeof root, where);
      const removeNode = body.get('remove', true);
      const remove: { policies: string[]; classifications: string[]; tags: string[] } = { policies: [], classifications: [], tags: [] };
      if (!isMap(removeNode)) problems.push(`${at((removeNode as Node) ?? where)}: contract "${name}" needs "remove" (policies, classifications, tags)`);
      else {
        const allowed: Record<keyof typeof remove, (value: string) => string | undefined> = {
          policies: (value) => ((POLICY_NAMES as readonly string[]).includes(value) ? undefined : `unknown policy "${value}" (known: ${POLICY_NAMES.join(', ')})`),
          classifications: (value) =>
            (POLICY_CLASSIFICATIONS as readonly string[]).includes(value) ? undefined : `unknown classification "${value}" (known: ${POLICY_CLASSIFICATIONS.join(', ')})`,
          tags: (value) => (TAG_NAME.test(value) ? undefined : `"${value}" is not a tag name`),
        };
        for (const item of removeNode.items) {
          const key = isScalar(item.key) ? String(item.key.value) : '';
          if (!(key in allowed)) {
            problems.push(`${at(item.key as Node)}: unknown key "${key}" in remove (expected policies, classifications, tags)`);
            continue;
          }
          const list = item.value;
          if (!isSeq(list)) {
            problems.push(`${at((list as Node) ?? (item.key as Node))}: remove.${key} must be a list`);
            continue;
          }
          for (const entry of list.items) {
            const value = isScalar(entry) && typeof entry.value === 'string' ? entry.value : undefined;
            const problem = value === undefined ? 'expected a string' : allowed[key as keyof typeof remove](value);
            if (problem !== undefined) problems.push(`${at(entry as Node)}: ${problem}`);
            else remove[key as keyof typeof remove].push(value as string);
          }
        }
        if (remove.policies.length + remove.classifications.length + remove.tags.length === 0) {
          problems.push(`${at(removeNode)}: contract "${name}" removes nothing (name policies, classifications or tags)`);
        }
      }
      contracts.push({ name, description, segment, remove });
    }
  }
  if (problems.length > 0) throw new ContractFileError(problems);
  return { version, contracts };
}

export function findContract(file: ContractFile, name: string): ContractDefinition | undefined {
  return file.contracts.find((contract) => contract.name === name);
}

function displayPath(file: string): string {
  const relative = path.relative(path.resolve(__dirname, '..', '..'), file);
  return relative.startsWith('..') ? file : relative;
}
