/**
 * The work one document check did, in units that do not depend on the machine: tokens lexed, AST
 * nodes visited, fragment-spread edges followed. Tests assert it is linear in the document's size.
 */
export interface DocumentWork {
  tokens: number;
  nodes: number;
  edges: number;
}

export function newWork(): DocumentWork {
  return { tokens: 0, nodes: 0, edges: 0 };
}

export function totalWork(work: DocumentWork): number {
  return work.tokens + work.nodes + work.edges;
}
