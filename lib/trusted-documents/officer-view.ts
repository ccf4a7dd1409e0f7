/**
 * The officer's view of registered documents: each document analysed (analysis.ts) against the
 * supergraph the gateway serves and the rules in force. Used by the audit subgraph
 * (`trustedDocuments`) and `npm run documents:list`, so both show the same.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse, type GraphQLSchema } from 'graphql';
import { apiSchemaOf } from '../api-schema';
import { readClassifications } from '../authorization/classification';
import { loadPolicy } from '../policy/load';
import type { PolicySet } from '../policy/types';
import type { FieldClassification } from '../authorization/types';
import { analyseDocument, type DocumentAnalysis } from './analysis';

export const DEFAULT_SUPERGRAPH_FILE = path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql');

interface SupergraphView {
  readonly sha256: string;
  readonly schema: GraphQLSchema;
  readonly classifications: ReadonlyMap<string, FieldClassification>;
}

let cached: SupergraphView | undefined;

/** The supergraph's API schema and classifications, rebuilt only when the file's bytes change. */
function supergraphView(file: string): SupergraphView {
  const sdl = fs.readFileSync(file, 'utf8');
  const sha256 = createHash('sha256').update(sdl).digest('hex');
  if (cached?.sha256 === sha256) return cached;
  cached = { sha256, schema: apiSchemaOf(sdl), classifications: readClassifications(parse(sdl)) };
  return cached;
}

export interface OfficerViewOptions {
  /** Default SUPERGRAPH_PATH, else schema/supergraph.graphql. */
  readonly supergraphFile?: string;
  /** Default policy/. */
  readonly policyDir?: string;
}

export interface OfficerView {
  analyse(document: string): DocumentAnalysis;
  readonly rules: PolicySet;
}

/** One view per request or command: the supergraph and the rules as they are now. */
export function officerView(options: OfficerViewOptions = {}): OfficerView {
  const file = options.supergraphFile ?? (process.env.SUPERGRAPH_PATH ? path.resolve(process.env.SUPERGRAPH_PATH) : DEFAULT_SUPERGRAPH_FILE);
  const view = supergraphView(file);
  const rules = loadPolicy(options.policyDir);
  const analyses = new Map<string, DocumentAnalysis>();
  return {
    rules,
    analyse(document) {
      let analysis = analyses.get(document);
      if (!analysis) analyses.set(document, (analysis = analyseDocument(document, view.schema, view.classifications, rules)));
      return analysis;
    },
  };
}
