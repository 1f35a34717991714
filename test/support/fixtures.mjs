// Where fixture packuments and tarballs live: the whole shared archive when it is beside the
// project (unpacked once into node_modules/.cache), plus the few copied into test/fixtures.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARCHIVE = resolve(project, '..', 'shared', 'fixtures', 'npm-registry-fixtures.tar.gz');
export const LOCAL_FIXTURES = join(project, 'test', 'fixtures', 'registry');

/** The unpacked shared archive's `registry/` folder, or undefined when the archive is absent. */
export function sharedRegistry() {
  if (!existsSync(ARCHIVE)) return undefined;
  const dir = join(project, 'node_modules', '.cache', 'registry-fixtures');
  const stamp = join(dir, '.stamp');
  const want = String(statSync(ARCHIVE).size);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', ARCHIVE, '-C', dir]);
    writeFileSync(stamp, want);
  }
  return join(dir, 'registry');
}

export function fixtureRoots() {
  const shared = sharedRegistry();
  return shared ? [LOCAL_FIXTURES, shared] : [LOCAL_FIXTURES];
}
