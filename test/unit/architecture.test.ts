// The layering rules, checked on the source: every import of functions/ and lib/, resolved to the file it names.
// biome.json's noRestrictedImports says the same in the editor; this test is the one that cannot be fooled by how
// a path is written.
//
//   core/      pure: core/, shared/ and the port types only; no package at all
//   shared/    pure data and functions that lib/ imports too: shared/ only; no package at all
//   app/       the use cases: core/, shared/, ports.ts and a few pure libraries; no SDK, no adapter, no I/O
//   ports      interfaces and their errors: core types only
//   adapters/  implement the ports: never the use cases or the handlers
//   lib/       the CDK app: the Lambdas by path only (lib/paths.ts), and the pure data of shared/ and the table schema
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Import {
  /** The importing file, relative to the repository root. */
  from: string;
  /** As written. */
  specifier: string;
  /** The file it names, relative to the root (relative specifiers only); null for a package. */
  target: string | null;
  typeOnly: boolean;
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));

// `import … from '…'` and `export … from '…'` (never holding a `;` before `from`), side-effect imports and import().
const STATIC = /^(import|export)(\s+type)?\s[^;]*?\sfrom\s+'([^']+)'/gm;
const BARE = /^import\s+'([^']+)'/gm;
const DYNAMIC = /\bimport\(\s*'([^']+)'\s*\)/g;

const importsOf = (file: string): Import[] => {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  for (const match of text.matchAll(STATIC))
    found.push({ specifier: match[3]!, typeOnly: match[2] !== undefined });
  for (const match of text.matchAll(BARE)) found.push({ specifier: match[1]!, typeOnly: false });
  for (const match of text.matchAll(DYNAMIC)) found.push({ specifier: match[1]!, typeOnly: false });
  return found.map(({ specifier, typeOnly }) => ({
    from: file,
    specifier,
    typeOnly,
    target: specifier.startsWith('.')
      ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts')
      : null,
  }));
};

const IMPORTS = [...sourceFiles('functions'), ...sourceFiles('lib')].flatMap(importsOf);
const importsIn = (dir: string): Import[] => IMPORTS.filter((i) => i.from.startsWith(dir));
const show = (i: Import): string => `${i.from} imports ${i.specifier}`;

const within = (target: string | null, ...dirs: string[]): boolean =>
  target !== null && dirs.some((dir) => target.startsWith(dir));

/** Pure libraries app/ may use; an SDK, a network or file client belongs in an adapter. */
const APP_PACKAGES = new Set(['zod/mini', 'p-limit']);

describe('the layers', () => {
  it('reads the imports of every source file (the check below has something to check)', () => {
    expect(importsIn('functions/core/').length).toBeGreaterThan(50);
    expect(importsIn('functions/app/').length).toBeGreaterThan(50);
    expect(importsIn('functions/ports/').length).toBeGreaterThan(5);
    expect(importsIn('lib/').some((i) => i.target === 'functions/shared/metrics.ts')).toBe(true);
  });

  it('keeps core/ pure: core/, shared/ and the port types only, and no package', () => {
    const wrong = importsIn('functions/core/').filter(
      (i) =>
        !(
          within(i.target, 'functions/core/', 'functions/shared/') ||
          (i.target === 'functions/ports.ts' && i.typeOnly)
        ),
    );
    expect(wrong.map(show)).toEqual([]);
  });

  it('keeps shared/ pure data that lib/ may import: shared/ only, and no package', () => {
    const wrong = importsIn('functions/shared/').filter((i) => !within(i.target, 'functions/shared/'));
    expect(wrong.map(show)).toEqual([]);
  });

  it('keeps app/ to the use cases: core/, shared/, ports.ts and pure libraries; no SDK, no adapter', () => {
    const wrong = importsIn('functions/app/').filter((i) =>
      i.target === null
        ? !APP_PACKAGES.has(i.specifier)
        : !(
            within(i.target, 'functions/app/', 'functions/core/', 'functions/shared/') ||
            i.target === 'functions/ports.ts'
          ),
    );
    expect(wrong.map(show)).toEqual([]);
  });

  it('keeps the ports free of implementations: they name core types only', () => {
    const wrong = importsIn('functions/ports').filter(
      (i) => !(within(i.target, 'functions/ports/') || (within(i.target, 'functions/core/') && i.typeOnly)),
    );
    expect(wrong.map(show)).toEqual([]);
  });

  it('keeps adapters/ to implementing ports: never the use cases or the handlers', () => {
    const wrong = importsIn('functions/adapters/').filter((i) =>
      within(i.target, 'functions/app/', 'functions/handlers/'),
    );
    expect(wrong.map(show)).toEqual([]);
  });

  it('lets lib/ import only the pure data of functions/ (the Lambdas it names by path)', () => {
    const wrong = importsIn('lib/').filter(
      (i) =>
        within(i.target, 'functions/') &&
        !(
          within(i.target, 'functions/shared/') || i.target === 'functions/adapters/dynamodb/table-schema.ts'
        ),
    );
    expect(wrong.map(show)).toEqual([]);
    // What lib/ takes from outside shared/ must itself be pure data.
    expect(importsIn('functions/adapters/dynamodb/table-schema.ts').map(show)).toEqual([]);
  });
});
