import { spawn } from 'node:child_process';
import path from 'node:path';
import * as fixtures from '../../generator/fixtures';

/**
 * The logs, too: the whole federation at `trace` (every component's most talkative level) while
 * the masked counter works, in a child process whose stdout and stderr are read back; no fixture
 * number appears in them, in full or by more than its last four characters.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const NUMBERS: string[] = (Object.values(fixtures) as unknown[])
  .filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null)
  .map((fixture) => fixture['individualNumber'])
  .filter((value): value is string => typeof value === 'string');

test('a masked counter at trace level: the logs hold no individual number', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/masked-run.ts'], {
    cwd: ROOT,
    env: { ...process.env, TEST_LOG_LEVEL: 'trace', APOLLO_TELEMETRY_DISABLED: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const done = /MASKED-RUN-DONE (\d+)/.exec(output);
  expect({ code, done: done !== null }).toEqual({ code: 0, done: true });
  // The run did see masked numbers, and the log is a real one (requests were logged).
  expect(Number(done![1])).toBeGreaterThan(50);
  expect(output.split('\n').filter((line) => line.startsWith('{')).length).toBeGreaterThan(10);
  const leaks = NUMBERS.flatMap((number) => [number, number.slice(0, 8), number.slice(2, 10)].filter((piece) => output.includes(piece)));
  expect(leaks).toEqual([]);
}, 180_000);
