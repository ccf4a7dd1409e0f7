import fs from 'node:fs';
import path from 'node:path';
import { createSupergraphSource, type FileSupergraphSource, type SupergraphSdlHookOptions } from '../../gateway/supergraph-source';
import { writeSupergraphFile } from '../../scripts/compose';
import { silentLogger, tempDir, waitFor } from './helpers';

/** Stand-in for ApolloGateway's update callback: refuses SDL containing "REFUSE", like the gateway refusing a bad supergraph. */
function fakeGateway() {
  const applied: string[] = [];
  const options: SupergraphSdlHookOptions = {
    update: jest.fn((sdl: string) => {
      if (sdl.includes('REFUSE')) throw new Error('not a supergraph');
      applied.push(sdl);
    }),
    healthCheck: jest.fn(async () => undefined),
    getDataSource: jest.fn(),
  };
  return { applied, options };
}

describe.each(['auto', 'poll'] as const)('supergraph source (watch: %s)', (watch) => {
  let dir: string;
  let file: string;
  let source: FileSupergraphSource;

  beforeEach(() => {
    dir = tempDir('supergraph-source');
    file = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(file, 'type Query { first: Int }\n');
    source = createSupergraphSource({ path: file, logger: silentLogger(), watch, debounceMs: 20, pollIntervalMs: 50 });
  });

  afterEach(async () => {
    await source.stop();
  });

  it('serves the file, then calls update when it changes', async () => {
    const { applied, options } = fakeGateway();
    const { supergraphSdl } = await source.initialize(options);
    expect(supergraphSdl).toBe('type Query { first: Int }\n');
    expect(source.status().watching).toBe(watch === 'auto' ? 'fs' : 'poll');

    writeSupergraphFile(file, 'type Query { second: Int }\n');
    await waitFor(() => applied.length === 1, 5000, 'update');
    expect(applied[0]).toBe('type Query { second: Int }\n');

    // In-place rewrite as well as atomic rename.
    fs.writeFileSync(file, 'type Query { third: Int }\n');
    await waitFor(() => applied.length === 2, 5000, 'second update');
    expect(applied[1]).toBe('type Query { third: Int }\n');
  });

  it('keeps the last good supergraph when the new file does not parse', async () => {
    const { applied, options } = fakeGateway();
    await source.initialize(options);
    const good = source.status().sha256;

    writeSupergraphFile(file, 'type Query { half-written');
    await waitFor(() => source.status().lastRejected !== undefined, 5000, 'rejection');
    expect(options.update).not.toHaveBeenCalled();
    expect(source.status().sha256).toBe(good);
    expect(source.status().lastRejected?.reason).toMatch(/Syntax Error/);

    // The next good file is applied again.
    writeSupergraphFile(file, 'type Query { fixed: Int }\n');
    await waitFor(() => applied.length === 1, 5000, 'update after fix');
    expect(source.status().lastRejected).toBeUndefined();
  });

  it('keeps the last good supergraph when the gateway refuses the new one', async () => {
    const { applied, options } = fakeGateway();
    await source.initialize(options);
    const good = source.status().sha256;

    writeSupergraphFile(file, 'type Query { REFUSE: Int }\n');
    await waitFor(() => source.status().lastRejected !== undefined, 5000, 'rejection');
    expect(options.update).toHaveBeenCalledTimes(1);
    expect(applied).toHaveLength(0);
    expect(source.status().sha256).toBe(good);
    expect(source.status().lastRejected?.reason).toBe('not a supergraph');
  });

  it('stops watching on cleanup', async () => {
    const { options } = fakeGateway();
    const { cleanup } = await source.initialize(options);
    await cleanup();
    expect(source.status().watching).toBe('stopped');
    writeSupergraphFile(file, 'type Query { late: Int }\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(options.update).not.toHaveBeenCalled();
  });
});

describe('supergraph source start-up', () => {
  it('falls back to polling when the platform cannot watch', async () => {
    const dir = tempDir('supergraph-fallback');
    const file = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(file, 'type Query { a: Int }\n');
    const watchSpy = jest.spyOn(fs, 'watch').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
    });
    const source = createSupergraphSource({ path: file, logger: silentLogger(), debounceMs: 20, pollIntervalMs: 50 });
    try {
      const { applied, options } = fakeGateway();
      await source.initialize(options);
      expect(source.status().watching).toBe('poll');
      writeSupergraphFile(file, 'type Query { b: Int }\n');
      await waitFor(() => applied.length === 1, 5000, 'update by polling');
    } finally {
      watchSpy.mockRestore();
      await source.stop();
    }
  });

  it('fails with a clear message when the file is missing', async () => {
    const source = createSupergraphSource({ path: path.join(tempDir('supergraph-missing'), 'supergraph.graphql'), logger: silentLogger() });
    await expect(source.initialize(fakeGateway().options)).rejects.toThrow(/Cannot load the supergraph from .*supergraph\.graphql.*npm run compose/);
  });

  it('applies the prepare hook to the initial and later supergraphs', async () => {
    const dir = tempDir('supergraph-prepare');
    const file = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(file, 'type Query { a: Int }\n');
    const source = createSupergraphSource({ path: file, logger: silentLogger(), debounceMs: 20, prepare: (sdl) => `# prepared\n${sdl}` });
    const { applied, options } = fakeGateway();
    const { supergraphSdl, cleanup } = await source.initialize(options);
    expect(supergraphSdl).toBe('# prepared\ntype Query { a: Int }\n');
    writeSupergraphFile(file, 'type Query { b: Int }\n');
    await waitFor(() => applied.length === 1, 5000, 'update');
    expect(applied[0]).toBe('# prepared\ntype Query { b: Int }\n');
    await cleanup();
  });
});
