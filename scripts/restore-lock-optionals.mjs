// Adds lockfile entries for platform-specific optional dependencies that `npm install` dropped
// because the registry mirror here does not have those versions (e.g. @rollup/rollup-darwin-arm64,
// @turbo/windows-64). Without them `npm ci` fails with "Missing: <name>@ from lock file".
// The entries carry version/os/cpu/libc like npm's own; os/cpu/libc come from the cached packument.
// Usage: node restore-lock-optionals.mjs [path/to/package-lock.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const P = lock.packages;
const resolvable = (from, name) => {
  let dir = from;
  for (;;) {
    if (P[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i === -1 ? '' : dir.slice(0, i);
  }
};
const added = [];
for (const [key, entry] of Object.entries(P)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolvable(key, name)) continue;
    const target = P[`node_modules/${name}`] ? `${key}/node_modules/${name}` : `node_modules/${name}`;
    let meta = {};
    try {
      meta = JSON.parse(execFileSync('npm', ['view', name, 'os', 'cpu', 'libc', 'license', '--json', '--prefer-offline'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) || '{}');
    } catch {}
    if (!meta.os && !meta.cpu) { console.error(`skip ${name}@${version}: no os/cpu metadata`); continue; }
    const e = { version };
    if (meta.cpu) e.cpu = meta.cpu;
    if (entry.dev) e.dev = true; else if (entry.devOptional) e.devOptional = true;
    if (meta.libc) e.libc = meta.libc;
    if (meta.license) e.license = meta.license;
    e.optional = true;
    if (meta.os) e.os = meta.os;
    P[target] = e;
    added.push(`${target}@${version}`);
  }
}
lock.packages = Object.fromEntries(Object.entries(P).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added.length} entr${added.length === 1 ? 'y' : 'ies'}${added.length ? `:\n  ${added.join('\n  ')}` : ''}`);
