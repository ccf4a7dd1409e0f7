import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../lib/project-root';

/** The console's sources (a browser app with its own tsconfig: DOM types, JSX). */
export const CONSOLE_SOURCE_DIR = path.join(PROJECT_ROOT, 'console');

export interface ConsoleBundle {
  readonly js: Buffer;
  readonly css: Buffer;
}

/**
 * Bundles the console (React, ECharts and our code, all from node_modules) with esbuild, in
 * memory. The same sources give the same bytes (no timestamps, no absolute paths, no source
 * maps), so the served bundle is reproducible and never committed; it takes a second or two and
 * is done once per gateway process, on the first request for the console.
 */
export async function buildConsoleBundle(): Promise<ConsoleBundle> {
  const result = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: { console: path.join(CONSOLE_SOURCE_DIR, 'src', 'main.tsx') },
    bundle: true,
    write: false,
    outdir: 'console-out',
    format: 'iife',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    jsx: 'automatic',
    tsconfig: path.join(CONSOLE_SOURCE_DIR, 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const pick = (extension: string): Buffer => {
    const file = result.outputFiles.find((output) => output.path.endsWith(extension));
    return Buffer.from(file ? file.contents : new Uint8Array());
  };
  return { js: pick('.js'), css: pick('.css') };
}
