import path from 'node:path';

/**
 * The repository root. Relative paths in configuration (SUPERGRAPH_PATH, dev keys) are
 * resolved against it rather than the working directory, so `npm start`, the token script and
 * tests agree on the same files wherever they are launched from.
 */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

export function fromProjectRoot(relativeOrAbsolute: string): string {
  return path.resolve(PROJECT_ROOT, relativeOrAbsolute);
}
