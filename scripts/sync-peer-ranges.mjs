#!/usr/bin/env node
// Keeps every workspace's specifiers for @jobtrail/* packages in the one style docs/design.md
// ("Versions and peer dependencies") describes:
//
//   published package -> @jobtrail/* : peerDependencies ">=X.Y.Z <1.0.0" (from 1.0 on: "^X.Y.Z"),
//                                      X.Y.Z being that package's current version, plus
//                                      devDependencies "*" (links the workspace and puts the
//                                      dependency in turbo's build graph, which ignores peers)
//   private workspace -> @jobtrail/* : "*" (always the workspace copy, never the registry)
//   no @jobtrail/* package in a published library's "dependencies"
//   published application -> @jobtrail/* : "dependencies" at exactly X.Y.Z (an application is a
//                                      package with a "bin", e.g. @jobtrail/cli: it is installed
//                                      on its own, so it brings the very versions it was released
//                                      and tested with; the fixed group releases them together)
//
// `npm run version-packages` runs it after `changeset version`: with
// onlyUpdatePeerDependentsWhenOutOfRange changesets leaves an in-range peer range as it is, so this
// moves its lower bound up to the version just released. `--check` (part of `npm test`) only
// reports; it exits 1 on any difference.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

const manifests = [];
for (const pattern of JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces) {
  const dirs = pattern.endsWith('/*')
    ? readdirSync(path.join(root, pattern.slice(0, -2)), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => path.join(pattern.slice(0, -2), d.name))
    : [pattern];
  for (const dir of dirs) {
    const file = path.join(root, dir, 'package.json');
    if (existsSync(file)) manifests.push({ file, text: readFileSync(file, 'utf8') });
  }
}
for (const m of manifests) m.json = JSON.parse(m.text);
const versions = new Map(manifests.map((m) => [m.json.name, m.json.version]));

const peerRange = (version) => (version.startsWith('0.') ? `>=${version} <1.0.0` : `^${version}`);

const problems = [];
for (const m of manifests) {
  const { json } = m;
  const published = json.private !== true;
  const application = published && json.bin !== undefined;
  const expect = (field, name, wanted) => {
    const current = json[field]?.[name];
    if (current === wanted) return;
    problems.push(`${path.relative(root, m.file)}: ${field}["${name}"] is ${JSON.stringify(current)}, expected ${JSON.stringify(wanted)}`);
    json[field] = { ...json[field], [name]: wanted };
  };
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const name of Object.keys(json[field] ?? {})) {
      if (!versions.has(name)) continue;
      if (field === 'peerDependencies') expect(field, name, peerRange(versions.get(name)));
      else if (application && field === 'dependencies') expect(field, name, versions.get(name));
      else if (published && field === 'dependencies') {
        problems.push(`${path.relative(root, m.file)}: "${name}" belongs in peerDependencies (and devDependencies "*"), not dependencies`);
        if (!check) {
          delete json.dependencies[name];
          expect('peerDependencies', name, peerRange(versions.get(name)));
          expect('devDependencies', name, '*');
        }
      } else expect(field, name, '*');
    }
    if (published && field === 'peerDependencies') {
      for (const name of Object.keys(json.peerDependencies ?? {})) if (versions.has(name)) expect('devDependencies', name, '*');
    }
  }
  const text = `${JSON.stringify(json, null, 2)}\n`;
  if (!check && text !== m.text) writeFileSync(m.file, text);
}

for (const problem of problems) console.log(`${check ? '' : 'fixed: '}${problem}`);
if (check && problems.length) {
  console.log('sync-peer-ranges: run `node scripts/sync-peer-ranges.mjs` to fix');
  process.exit(1);
}
