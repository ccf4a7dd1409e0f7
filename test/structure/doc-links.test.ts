import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';

/**
 * The documentation stands alone: every relative link in the repository's Markdown (README.md,
 * docs/, the READMEs beside the code) names a file inside the repository that exists, and a
 * `#fragment` into a Markdown file names one of its headings. A clone is all a reader has; a
 * link to `../shared/…` (outside the repository) or to a renamed section fails here.
 */

const SKIP = new Set(['node_modules', '.git', 'data', 'coverage']);

function markdownFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...markdownFiles(full));
    else if (entry.name.endsWith('.md')) files.push(full);
  }
  return files;
}

/** GitHub's heading anchors: lower case, punctuation dropped (letters of any script kept), spaces → '-'. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    anchors.add(text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return anchors;
}

/** Inline links `[text](target)`, outside code fences and code spans. */
function linksOf(markdown: string): string[] {
  const links: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) links.push(match[1]!);
  }
  return links;
}

/** Paths written in code spans (`../shared/domain/DOMAIN.md`): a reader follows those too. */
function codePathsOf(markdown: string): string[] {
  return [...markdown.matchAll(/`((?:\.\.\/)+[^`\s]+)`/g)].map((match) => match[1]!);
}

/** What is wrong with the links and written paths of one Markdown text, read as the file `file`. */
function brokenLinks(file: string, markdown: string): string[] {
  const broken: string[] = [];
  for (const written of codePathsOf(markdown)) {
    if (path.relative(PROJECT_ROOT, path.resolve(path.dirname(file), written)).startsWith('..')) broken.push(`${written}: outside the repository`);
  }
  for (const link of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http(s), mailto: not files
    const [target, fragment] = link.split('#') as [string, string | undefined];
    const resolved = target === '' ? file : path.resolve(path.dirname(file), decodeURI(target));
    if (path.relative(PROJECT_ROOT, resolved).startsWith('..')) {
      broken.push(`${link}: outside the repository`);
      continue;
    }
    if (!fs.existsSync(resolved)) {
      broken.push(`${link}: no such file`);
      continue;
    }
    if (fragment !== undefined && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(decodeURIComponent(fragment))) {
      broken.push(`${link}: no such heading`);
    }
  }
  return broken;
}

const files = markdownFiles(PROJECT_ROOT);

test('the check finds what issue 15 found: the README naming documents outside the repository', () => {
  const before = 'The domain is in `../shared/domain/DOMAIN.md`; see [the design](../shared/design/ARCHITECTURE.md) and [a section](#no-such-section).';
  expect(brokenLinks(path.join(PROJECT_ROOT, 'README.md'), before)).toEqual([
    '../shared/domain/DOMAIN.md: outside the repository',
    '../shared/design/ARCHITECTURE.md: outside the repository',
    '#no-such-section: no such heading',
  ]);
});

test('the repository has its own docs, and the README links them', () => {
  for (const doc of ['docs/README.md', 'docs/domain.md', 'docs/architecture.md', 'docs/production.md']) {
    expect(fs.existsSync(path.join(PROJECT_ROOT, doc))).toBe(true);
  }
  const readme = linksOf(fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8'));
  expect(readme).toEqual(expect.arrayContaining(['docs/README.md', 'docs/domain.md', 'docs/architecture.md', 'docs/production.md']));
});

test.each(files.map((file) => [path.relative(PROJECT_ROOT, file)]))('%s: every relative link stays inside the repository and resolves', (relative) => {
  const file = path.join(PROJECT_ROOT, relative);
  const broken = brokenLinks(file, fs.readFileSync(file, 'utf8'));
  expect(broken).toEqual([]);
});
