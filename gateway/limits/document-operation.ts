import { getOperationAST, Kind, type DocumentNode } from 'graphql';

/** `extensions.code` (HTTP 400) when the request does not say which of the document's operations to run. */
export const OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE';

/**
 * Which operation of `document` the request runs, as graphql-js decides it: the one named by
 * `operationName`, or the only one. A document with several operations and no name, or a name
 * it does not define, is refused here with a message instead of reaching the gateway without an
 * operation (it answered HTTP 500 before). A document without any operation is left to
 * graphql-js's validation, which names what is wrong with it.
 */
export function operationProblem(document: DocumentNode, operationName: string | undefined): string | undefined {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0 || getOperationAST(document, operationName) !== null) return undefined;
  if (operationName === undefined) return 'The document contains several operations: send operationName to say which one to run.';
  return 'The document has no operation with the given operationName.';
}
