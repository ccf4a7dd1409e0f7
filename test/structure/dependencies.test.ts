import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../lib/project-root';

/**
 * The layers run one way (scripts → gateway, subgraphs, generator → lib) and no import circle
 * exists anywhere, tests included: `.dependency-cruiser.cjs` says so and dependency-cruiser
 * checks it (the same run as `npm run check:deps`).
 */

const CONFIG = path.join(PROJECT_ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(PROJECT_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const LAYERS = ['lib', 'generator', 'subgraphs', 'gateway', 'scripts', 'test'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: 'error' | 'warn' | 'info' };
  cycle?: { name: string }[];
}
interface CruiseResult {
  summary: { violations: Violation[]; totalCruised: number; error: number };
}

function cruise(cwd: string, roots: string[]): CruiseResult {
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...roots], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`dependency-cruiser did not run: ${run.stderr}`);
  return JSON.parse(run.stdout) as CruiseResult;
}

function describeViolation(v: Violation): string {
  const path = v.cycle ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`;
  return `${v.rule.name}: ${path}`;
}

test('no import runs up a layer and no import circle exists (npm run check:deps)', () => {
  const result = cruise(PROJECT_ROOT, LAYERS);
  // It read the tree: every source module is there, not an empty cruise passing by default.
  expect(result.summary.totalCruised).toBeGreaterThan(250);
  const errors = result.summary.violations.filter((v) => v.rule.severity === 'error').map(describeViolation);
  expect(errors).toEqual([]);
});

test('the checker fails on an upward arrow and on a circle', () => {
  // A small tree with the two faults, checked with the same configuration.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deps-'));
  try {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node' } }));
    write('lib/floor.ts', "import { room } from '../gateway/room';\nexport const floor = () => room;\n");
    write('gateway/room.ts', "export const room = 1;\n");
    write('subgraphs/a.ts', "import { b } from './b';\nexport const a = () => b;\n");
    write('subgraphs/b.ts', "import { a } from './a';\nexport const b = () => a;\n");
    const result = cruise(dir, ['lib', 'gateway', 'subgraphs']);
    const errors = result.summary.violations.filter((v) => v.rule.severity === 'error').map(describeViolation).sort();
    expect(errors).toEqual([
      'lib-is-the-floor: lib/floor.ts → gateway/room.ts',
      'no-circular: subgraphs/a.ts → subgraphs/b.ts → subgraphs/a.ts',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
