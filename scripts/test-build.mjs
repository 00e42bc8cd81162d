#!/usr/bin/env node
// `npm run test:build` (after `turbo run build`): checks every published workspace package the
// way a user receives it, from its npm tarball.
//
//   discover   packages/*/package.json without "private": true, and their `exports` subpaths
//   pack       `npm pack` each one into .test-build/tarballs (.test-build is wiped first)
//   publint    `publint --strict` in the package folder; warnings and suggestions fail too
//   attw       `attw --pack . --profile node16` (ESM-only subpaths: `--profile esm-only`)
//   install    a fresh scratch project .test-build/scratch ({"type":"module"}) gets all tarballs,
//              plus every peer dependency at the version the repo uses (e.g. vitest for ./testing)
//   types      the value exports each subpath's types declare, per condition (import/require), as
//              TypeScript sees them with moduleResolution NodeNext
//   load       per subpath, an ESM file (`import * as m`) and a CJS file (`require`) must load and
//              export at least one name and every declared EXPECTED_EXPORTS name
//   agree      ESM names = CJS names = declared names (types must not promise what is not there)
//   identity   @jobtrail/core's ESM and CJS builds (and ./client, ./store) loaded side by side in one process:
//              each class's `isInstance` recognises the other copy's errors, and the ESM HTTP
//              handler maps a CJS store's errors to their status
//   dashboard  @jobtrail/dashboard's page survives packing: from the tarball, its ESM and CJS
//              handlers serve the embedded page and the script it references
//   tsc        the repo's tsc type-checks check.ts + check.cts (module/moduleResolution NodeNext) and
//              check.ts (Bundler), strict, skipLibCheck off so our .d.ts files are checked too
//
// Every module the runtime checks and tsc load must resolve inside the scratch project, so a
// dependency a package forgot to declare cannot pass by falling back to the monorepo's node_modules.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { declaredValueExports } from './lib/declared-exports.mjs';
import { indent, run, withoutNpmNoise } from './lib/run.mjs';

/**
 * Names each package subpath must export, at runtime (ESM and CJS) and in its types.
 * Extend this as the API lands. While ALLOW_PENDING_EXPECTED is true, a name is only enforced once
 * the package's built types declare it (e.g. packages/core/dist/index.d.ts); the others are listed
 * as pending. Set it to false when the API is complete so a removed export fails the build.
 */
const EXPECTED_EXPORTS = {
  '@jobtrail/core': {
    '.': ['createTracker', 'MemoryJobStore', 'normalizeStatus', 'JOB_STATUSES', 'createJobsHandler', 'toNodeHandler', 'createWorker'],
    './store': [
      'toReadPlan',
      'checkReadOptions',
      'markUnread',
      'isFullRead',
      'LARGE_JOB_FIELDS',
      'guardStore',
      'metricOverflowError',
      'isUuid',
      'systemClock',
      'StoreClock',
    ],
    './client': [
      'createJobsClient',
      'JobsClient',
      'JobObserver',
      'JobsObserver',
      'ActiveJobsObserver',
      'JobStatsObserver',
      'JobActionsObserver',
      'JobsHttpError',
      'JobsNetworkError',
    ],
  },
  '@jobtrail/dashboard': {
    '.': ['createDashboardHandler', 'toNodeHandler'],
  },
  '@jobtrail/react': {
    '.': ['JobtrailProvider', 'useJob', 'useJobs', 'useActiveJobs', 'useJobStats', 'useJobActions', 'useJobsClient'],
  },
  '@jobtrail/store-postgres': {
    '.': ['PostgresJobStore', 'JobEntity', 'createJobEntity', 'jobtrailMigrations', 'createJobtrailMigrations'],
  },
  '@jobtrail/store-mongo': {
    '.': ['MongoJobStore', 'JOB_INDEXES', 'DEFAULT_COLLECTION_NAME', 'TransactionDedupeError'],
  },
  '@jobtrail/cli': {
    '.': ['runCli', 'EXIT_CODES', 'CliError', 'CliUsageError', 'CliConnectionError', 'CliNotFoundError'],
  },
  '@jobtrail/otel': {
    '.': ['instrument', 'jobtrailTelemetry', 'formatTraceparent', 'parseTraceparent', 'METRIC_MESSAGING_PROCESS_DURATION'],
  },
};
const ALLOW_PENDING_EXPECTED = false;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, '.test-build');
const tarballDir = path.join(outDir, 'tarballs');
// Outside the repo: inside it, Node's lookup would climb into the monorepo's node_modules and let an
// optional require (debug → supports-color) or an undeclared dependency resolve where a user has none.
const scratch = path.join(os.tmpdir(), 'jobtrail-test-build', 'scratch');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const rootRequire = createRequire(path.join(root, 'package.json'));
const rel = (file) => path.relative(root, file) || '.';

// ---------------------------------------------------------------------------------------------
// Reporting: one line per step; problems are listed under the line of the step that found them.

const results = [];

async function step(name, fn) {
  const started = performance.now();
  let summary = '';
  let problems = [];
  let ms;
  try {
    ({ summary = '', problems = [], ms } = (await fn()) ?? {});
  } catch (error) {
    problems = [`unexpected error: ${error?.stack ?? error}`];
  }
  const ok = problems.length === 0;
  // Steps whose work ran earlier (in parallel with others) report that work's own duration.
  const seconds = ((ms ?? performance.now() - started) / 1000).toFixed(1);
  console.log(`test-build: ${ok ? 'PASS' : 'FAIL'} ${name.padEnd(8)} ${summary} (${seconds}s)`.trimEnd());
  for (const problem of problems) {
    const [first, ...rest] = String(problem).trimEnd().split('\n');
    console.log(`    - ${first}`);
    if (rest.length) console.log(indent(rest.join('\n'), 80));
  }
  results.push({ name, ok });
  return ok;
}

function skip(name, reason) {
  console.log(`test-build: SKIP ${name.padEnd(8)} ${reason}`);
  results.push({ name, ok: false, skipped: true });
}

const setEquals = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
const diff = (a, b) => a.filter((x) => !b.includes(x));
const list = (names) => (names.length ? names.join(', ') : '(none)');

// ---------------------------------------------------------------------------------------------
// discover

/** Condition objects: does a CJS consumer (`require`) get anything from this export entry? */
function servesRequire(entry) {
  if (typeof entry === 'string' || Array.isArray(entry)) return true; // require(esm) on Node >= 20.19
  if (!entry || typeof entry !== 'object') return false;
  if ('require' in entry || 'default' in entry) return true;
  return Object.entries(entry).some(([condition, value]) => condition !== 'import' && condition !== 'types' && servesRequire(value));
}

function discover() {
  const problems = [];
  const packagesDir = path.join(root, 'packages');
  const packages = [];
  for (const dirent of readdirSync(packagesDir, { withFileTypes: true })) {
    const manifestPath = path.join(packagesDir, dirent.name, 'package.json');
    if (!dirent.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private === true) continue;
    const dir = path.dirname(manifestPath);
    const name = manifest.name;
    if (!name) {
      problems.push(`${rel(manifestPath)}: published package has no "name"`);
      continue;
    }
    let exportsMap = manifest.exports;
    if (exportsMap === undefined) {
      problems.push(`${name}: no "exports" field (dual ESM/CJS packages must declare exports per condition)`);
      continue;
    }
    const keys = typeof exportsMap === 'object' && !Array.isArray(exportsMap) ? Object.keys(exportsMap) : [];
    if (!keys.some((key) => key.startsWith('.'))) exportsMap = { '.': exportsMap }; // conditions only
    const subpaths = [];
    for (const [subpath, entry] of Object.entries(exportsMap)) {
      if (subpath === './package.json' || entry === null) continue;
      if (subpath.includes('*')) {
        problems.push(`${name}: exports "${subpath}" is a pattern; test-build checks explicit subpaths only, list them`);
        continue;
      }
      subpaths.push({
        subpath,
        specifier: subpath === '.' ? name : name + subpath.slice(1),
        cjs: servesRequire(entry),
        slug: subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '__'),
      });
    }
    packages.push({ name, dir, manifest, subpaths, slug: name.replace(/^@/, '').replace('/', '__') });
  }
  for (const [name, table] of Object.entries(EXPECTED_EXPORTS)) {
    const pkg = packages.find((p) => p.name === name);
    if (!pkg) {
      problems.push(`EXPECTED_EXPORTS names ${name}, which is not a published workspace package`);
      continue;
    }
    for (const subpath of Object.keys(table)) {
      if (!pkg.subpaths.some((s) => s.subpath === subpath)) {
        problems.push(`EXPECTED_EXPORTS names ${name} "${subpath}", which is not in its exports`);
      }
    }
  }
  if (packages.length === 0 && problems.length === 0) problems.push('no published packages found under packages/*');
  return { packages, problems };
}

// ---------------------------------------------------------------------------------------------
// main

const { packages, problems: discoverProblems } = discover();
await step('discover', () => ({
  summary: packages
    .map((p) => `${p.name} (${p.subpaths.map((s) => s.subpath + (s.cjs ? '' : ' [ESM only]')).join(', ')})`)
    .join('; '),
  problems: discoverProblems,
}));

rmSync(outDir, { recursive: true, force: true });
rmSync(scratch, { recursive: true, force: true });
mkdirSync(tarballDir, { recursive: true });

// pack first (the install needs the tarballs); then publint + attw and the scratch install run
// side by side. Per package, publint and attw run one after another: attw --pack drops its own
// tarball into the package folder for a moment.
const packed = new Map();
await Promise.all(
  packages.map(async (pkg) => {
    const pack = await run('npm', ['pack', '--json', '--pack-destination', tarballDir], { cwd: pkg.dir });
    try {
      const [info] = JSON.parse(pack.stdout);
      packed.set(pkg.name, { file: path.join(tarballDir, info.filename), size: info.size, files: info.files.length, ms: pack.ms });
    } catch {
      packed.set(pkg.name, { error: withoutNpmNoise(pack.output) || `npm pack exited ${pack.code}`, ms: pack.ms });
    }
  }),
);
const slowest = (values) => Math.max(0, ...values);
const packOk = await step('pack', () => ({
  ms: slowest(packages.map((p) => packed.get(p.name).ms)),
  summary: packages
    .map((p) => packed.get(p.name))
    .filter((t) => t.file)
    .map((t) => `${rel(t.file)} (${(t.size / 1024).toFixed(1)} kB, ${t.files} files)`)
    .join('; '),
  problems: packages.filter((p) => packed.get(p.name).error).map((p) => `${p.name}: npm pack failed\n${packed.get(p.name).error}`),
}));

const lint = new Map();
const linting = Promise.all(
  packages.map(async (pkg) => {
    const publint = await run(bin('publint'), ['--strict'], { cwd: pkg.dir });
    // ESM-only subpaths (no require condition) cannot pass node16-from-CJS; check them as esm-only.
    const esmOnly = pkg.subpaths.filter((s) => !s.cjs).map((s) => s.subpath);
    const attw = [];
    const node16 = ['--pack', '.', '--profile', 'node16', '--no-color'];
    if (esmOnly.length) node16.push('--exclude-entrypoints', ...esmOnly);
    attw.push({ args: node16, result: await run(bin('attw'), node16, { cwd: pkg.dir }) });
    if (esmOnly.length) {
      const args = ['--pack', '.', '--profile', 'esm-only', '--no-color', '--entrypoints', ...esmOnly];
      attw.push({ args, result: await run(bin('attw'), args, { cwd: pkg.dir }) });
    }
    lint.set(pkg.name, { publint, attw });
  }),
);

// Peer dependencies (optional ones too, like vitest for ./testing) at the version the repo uses.
const publishedNames = new Set(packages.map((p) => p.name));
const peers = new Map();
for (const pkg of packages) {
  for (const [name, range] of Object.entries(pkg.manifest.peerDependencies ?? {})) {
    if (publishedNames.has(name) || peers.has(name)) continue;
    let spec = range;
    try {
      spec = rootRequire(`${name}/package.json`).version;
    } catch {
      // not installed in the repo (or its package.json is not exported): use the declared range
    }
    peers.set(name, `${name}@${spec}`);
  }
}
// A TypeScript user on Node has Node's types; the tsc step compiles with types: ['node'].
peers.set('@types/node', `@types/node@${rootRequire('@types/node/package.json').version}`);
const installing = packOk ? installScratch() : undefined;

await linting;
await step('publint', () => ({
  ms: slowest(packages.map((p) => lint.get(p.name).publint.ms)),
  summary: `--strict: ${packages.map((p) => p.name).join(', ')}`,
  problems: packages.flatMap((p) => {
    const { publint } = lint.get(p.name);
    // --strict turns warnings into a non-zero exit; suggestions only print, and count as problems here.
    const bad = publint.code !== 0 || /Suggestions:|Warnings:|Errors:/.test(publint.stdout);
    return bad ? [`${p.name}: publint --strict found problems (run it in ${rel(p.dir)})\n${withoutNpmNoise(publint.output)}`] : [];
  }),
}));
await step('attw', () => ({
  ms: slowest(packages.map((p) => lint.get(p.name).attw.reduce((sum, a) => sum + a.result.ms, 0))),
  summary: packages
    .map((p) => `${p.name} (${lint.get(p.name).attw.map((a) => a.args[a.args.indexOf('--profile') + 1]).join(' + ')})`)
    .join(', '),
  problems: packages.flatMap((p) =>
    lint
      .get(p.name)
      .attw.filter((a) => a.result.code !== 0)
      .map((a) => `${p.name}: attw ${a.args.join(' ')} found problems (in ${rel(p.dir)})\n${withoutNpmNoise(a.result.output)}`),
  ),
}));

let installOk = false;
if (!installing) skip('install', 'nothing to install: packing failed');
else installOk = await step('install', () => installing);

if (!installOk) {
  for (const name of ['types', 'load', 'agree', 'identity', 'dashboard', 'tsc']) skip(name, 'needs the scratch install');
} else {
  await checkInScratch();
}

const failed = results.filter((r) => !r.ok);
console.log(
  failed.length
    ? `test-build: FAILED (${failed.map((r) => r.name + (r.skipped ? ' skipped' : '')).join(', ')}); scratch project kept in ${scratch}`
    : `test-build: all ${results.length} steps passed`,
);
process.exitCode = failed.length ? 1 : 0;

// ---------------------------------------------------------------------------------------------
// checks inside the scratch project

async function checkInScratch() {
  const ts = rootRequire('typescript');
  const typescriptLib = path.join(path.dirname(rootRequire.resolve('typescript/package.json')), 'lib') + path.sep;
  const checksDir = path.join(scratch, 'checks');
  mkdirSync(checksDir, { recursive: true });
  const entries = packages.flatMap((pkg) => pkg.subpaths.map((sub) => ({ pkg, sub, key: sub.specifier })));
  const formatsOf = (entry) => (entry.sub.cjs ? ['esm', 'cjs'] : ['esm']);

  // tsc runs in the background while the runtime checks go.
  const tscRuns = startTsc(entries, typescriptLib);

  // types: declared value exports per condition.
  const typesStarted = performance.now();
  const declared = declaredValueExports(
    ts,
    path.join(checksDir, 'probe'),
    entries.flatMap((e) => formatsOf(e).map((format) => ({ key: `${e.key} ${format}`, specifier: e.key, format }))),
    scratch,
  );
  const typesMs = performance.now() - typesStarted;
  const required = new Map(); // specifier -> names enforced from EXPECTED_EXPORTS
  const pending = [];
  await step('types', () => {
    const problems = [];
    for (const e of entries) {
      for (const format of formatsOf(e)) {
        const d = declared.get(`${e.key} ${format}`);
        if (d.error) problems.push(d.error);
      }
      const expected = EXPECTED_EXPORTS[e.pkg.name]?.[e.sub.subpath] ?? [];
      const esmDeclared = declared.get(`${e.key} esm`).names ?? [];
      const missing = diff(expected, esmDeclared);
      required.set(e.key, diff(expected, missing));
      if (missing.length) {
        if (ALLOW_PENDING_EXPECTED) pending.push(`${e.key}: ${missing.join(', ')}`);
        else problems.push(`${e.key}: the built types do not declare expected export(s) ${missing.join(', ')}`);
      }
    }
    const counts = entries.map((e) => `${e.key} ${formatsOf(e).map((f) => declared.get(`${e.key} ${f}`).names?.length ?? '?').join('/')}`);
    return {
      ms: typesMs,
      summary: `value exports (import/require): ${counts.join(', ')}${pending.length ? `; expected but not declared yet: ${pending.join('; ')}` : ''}`,
      problems,
    };
  });

  // load: one ESM and one CJS file per subpath, each in its own node process.
  const scratchUrl = pathToFileURL(scratch + path.sep).href;
  writeFileSync(
    path.join(checksDir, 'guard-hooks.mjs'),
    `// Generated by scripts/test-build.mjs: fail any import that resolves outside the scratch project.
let root;
export async function initialize(data) { root = data.root; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith('file:') && !result.url.startsWith(root)) {
    throw new Error(\`"\${specifier}" (from \${context.parentURL}) resolved outside the scratch project, to \${result.url}: is a dependency missing from package.json?\`);
  }
  return result;
}
`,
  );
  writeFileSync(
    path.join(checksDir, 'guard.mjs'),
    `import { register } from 'node:module';\nregister('./guard-hooks.mjs', import.meta.url, { data: { root: ${JSON.stringify(scratchUrl)} } });\n`,
  );
  const runtime = new Map(); // `${specifier} ${format}` -> { names } | { error }
  const loadStarted = performance.now();
  await Promise.all(
    entries.flatMap((e) =>
      formatsOf(e).map(async (format) => {
        const dir = path.join(checksDir, e.pkg.slug);
        mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${e.sub.slug}.${format === 'esm' ? 'mjs' : 'cjs'}`);
        writeFileSync(file, loadCheckSource(e.key, format, required.get(e.key), scratch));
        const result = await run(process.execPath, ['--import', './checks/guard.mjs', path.relative(scratch, file)], { cwd: scratch });
        const last = result.stdout.trim().split('\n').at(-1) ?? '';
        runtime.set(
          `${e.key} ${format}`,
          result.code === 0 && last.startsWith('[')
            ? { names: JSON.parse(last) }
            : { error: `${e.key} (${format === 'esm' ? 'ESM import' : 'CJS require'}) failed: node ${rel(file)}\n${nodeError(result.output)}` },
        );
      }),
    ),
  );
  const loadMs = performance.now() - loadStarted;
  await step('load', () => ({
    ms: loadMs,
    summary: entries
      .map((e) => `${e.key} ${formatsOf(e).map((f) => `${f.toUpperCase()} ${runtime.get(`${e.key} ${f}`).names?.length ?? '✗'}`).join(' ')}`)
      .join(', '),
    problems: entries.flatMap((e) => formatsOf(e).map((f) => runtime.get(`${e.key} ${f}`).error).filter(Boolean)),
  }));

  await step('agree', () => {
    const problems = [];
    for (const e of entries) {
      const esm = runtime.get(`${e.key} esm`).names;
      const cjs = runtime.get(`${e.key} cjs`)?.names;
      if (esm && cjs && !setEquals(esm, cjs)) {
        problems.push(`${e.key}: ESM and CJS export different names; only ESM: ${list(diff(esm, cjs))}; only CJS: ${list(diff(cjs, esm))}`);
      }
      for (const format of formatsOf(e)) {
        const actual = runtime.get(`${e.key} ${format}`).names;
        const promised = declared.get(`${e.key} ${format}`);
        if (!actual || !promised.names) continue;
        if (!setEquals(actual, promised.names)) {
          problems.push(
            `${e.key} (${format}): types and runtime disagree (types: ${rel(promised.typesFile)}); ` +
              `declared but not exported: ${list(diff(promised.names, actual))}; exported but not declared: ${list(diff(actual, promised.names))}`,
          );
        }
      }
    }
    return { summary: 'ESM names = CJS names = names declared by the types, for every subpath', problems };
  });

  await step('identity', async () => {
    const file = path.join(checksDir, 'error-identity.mjs');
    writeFileSync(file, identityCheckSource());
    const result = await run(process.execPath, ['--import', './checks/guard.mjs', path.relative(scratch, file)], { cwd: scratch });
    const last = result.stdout.trim().split('\n').at(-1) ?? '';
    const problems = result.code === 0 && last.startsWith('[') ? JSON.parse(last) : [`node ${rel(file)} failed\n${nodeError(result.output)}`];
    return { ms: result.ms, summary: '@jobtrail/core ESM + CJS (., ./client and ./store) in one process', problems };
  });

  await step('dashboard', async () => {
    const file = path.join(checksDir, 'dashboard-page.mjs');
    writeFileSync(file, dashboardCheckSource());
    const result = await run(process.execPath, ['--import', './checks/guard.mjs', path.relative(scratch, file)], { cwd: scratch });
    const last = result.stdout.trim().split('\n').at(-1) ?? '';
    const problems = result.code === 0 && last.startsWith('[') ? JSON.parse(last) : [`node ${rel(file)} failed\n${nodeError(result.output)}`];
    return { ms: result.ms, summary: '@jobtrail/dashboard ESM + CJS serve the embedded page and its script', problems };
  });

  for (const { label, result, files } of await tscRuns) {
    await step('tsc', () => {
      const lines = result.stdout.split('\n').filter(Boolean);
      const loaded = lines.filter((line) => path.isAbsolute(line));
      const messages = lines.filter((line) => !path.isAbsolute(line));
      const problems = [];
      if (result.code !== 0) problems.push(`${label} failed (cwd ${scratch})\n${[...messages, result.stderr.trim()].filter(Boolean).join('\n')}`);
      const outside = loaded.filter((file) => !file.startsWith(scratch + path.sep) && !file.startsWith(typescriptLib));
      if (outside.length) problems.push(`${label} loaded files from outside the scratch project (missing from the tarball, or an undeclared dependency?):\n${outside.join('\n')}`);
      return { summary: `${label}: ${files}`, problems, ms: result.ms };
    });
  }
}

async function installScratch() {
  mkdirSync(scratch, { recursive: true });
  writeFileSync(path.join(scratch, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  // The scratch project stands for a user's app: the repo's .npmrc and allowScripts do not apply.
  // --ignore-scripts: nothing we publish needs an install script, and nothing here should run one.
  writeFileSync(path.join(scratch, '.npmrc'), 'audit=false\nfund=false\npackage-lock=false\n');
  const tarballs = packages.map((p) => path.relative(scratch, packed.get(p.name).file));
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', ...tarballs, ...peers.values()];
  const result = await run('npm', args, { cwd: scratch });
  const problems = [];
  if (result.code !== 0) problems.push(`npm ${args.join(' ')} failed in ${scratch}\n${withoutNpmNoise(result.output)}`);
  for (const pkg of result.code === 0 ? packages : []) {
    const installed = path.join(scratch, 'node_modules', pkg.name, 'package.json');
    const version = existsSync(installed) ? JSON.parse(readFileSync(installed, 'utf8')).version : undefined;
    if (version !== pkg.manifest.version) problems.push(`${pkg.name}: expected ${pkg.manifest.version} in the scratch project, found ${version}`);
  }
  return {
    ms: result.ms,
    summary: `${tarballs.length} tarball(s)${peers.size ? ` + ${[...peers.values()].join(', ')}` : ''} into ${scratch}`,
    problems,
  };
}

/** Node's error output without stack frames and the uncaught-exception preamble. */
function nodeError(output) {
  return output
    .split('\n')
    .filter((line) => !/^\s+at /.test(line) && !/^node:internal|^\s*triggerUncaughtException\(|^\s*\^$|^Node\.js v/.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function loadCheckSource(specifier, format, names, scratchDir) {
  const header = `// Generated by scripts/test-build.mjs: loads "${specifier}" as a${format === 'esm' ? 'n ESM' : ' CJS'} consumer would.\n`;
  const body = `
const names = Object.keys(m).filter((name) => name !== '__esModule').sort();
assert.ok(names.length > 0, ${JSON.stringify(`"${specifier}" exports no names`)});
for (const name of ${JSON.stringify(names)}) {
  assert.ok(name in m && m[name] !== undefined, \`"${specifier}" does not export \${name}\`);
}
`;
  if (format === 'esm') {
    return `${header}import assert from 'node:assert/strict';\nimport * as m from ${JSON.stringify(specifier)};\n${body}console.log(JSON.stringify(names));\n`;
  }
  return `${header}'use strict';
const assert = require('node:assert/strict');
const m = require(${JSON.stringify(specifier)});
${body}const outside = Object.keys(require.cache).filter((file) => !file.startsWith(${JSON.stringify(scratchDir + path.sep)}));
assert.deepEqual(outside, [], 'required from outside the scratch project: is a dependency missing from package.json?');
console.log(JSON.stringify(names));
`;
}

/**
 * A check that loads both builds of @jobtrail/core in one process, as an application does whose
 * store adapter requires core while the application imports it: two copies of every error class.
 */
function dashboardCheckSource() {
  return `// Generated by scripts/test-build.mjs: the page embedded in @jobtrail/dashboard is in the tarball.
import { createRequire } from 'node:module';
import * as esm from '@jobtrail/dashboard';
import { createTracker, MemoryJobStore } from '@jobtrail/core';
const require = createRequire(import.meta.url);
const cjs = require('@jobtrail/dashboard');
const problems = [];
const tracker = createTracker({ store: new MemoryJobStore(), recoverIntervalMs: false });
for (const [format, module] of [['ESM', esm], ['CJS', cjs]]) {
  const handler = module.createDashboardHandler({ tracker, authorize: () => ({ admin: true }), basePath: '/ops/jobs' });
  const page = await handler(new Request('http://dash.test/ops/jobs/'));
  const html = await page.text();
  if (page.status !== 200 || !html.includes('<base href="/ops/jobs/"')) problems.push(format + ': the page answered ' + page.status + ' without its <base>');
  const script = /src="\\.\\/(assets\\/[^"]+\\.js)"/.exec(html)?.[1];
  if (!script) { problems.push(format + ': the page references no script'); continue; }
  const asset = await handler(new Request('http://dash.test/ops/jobs/' + script));
  const body = await asset.text();
  if (asset.status !== 200 || !(asset.headers.get('content-type') ?? '').startsWith('text/javascript') || body.length < 1000) problems.push(format + ': ' + script + ' answered ' + asset.status + ' (' + body.length + ' bytes)');
}
await tracker.close();
console.log(JSON.stringify(problems));
`;
}

function identityCheckSource() {
  return `// Generated by scripts/test-build.mjs: the ESM and CJS builds of @jobtrail/core recognise each other's errors.
import { createRequire } from 'node:module';
import * as esm from '@jobtrail/core';
import * as esmClient from '@jobtrail/core/client';
import * as esmStore from '@jobtrail/core/store';
const require = createRequire(import.meta.url);
const cjs = require('@jobtrail/core');
const cjsClient = require('@jobtrail/core/client');
const cjsStore = require('@jobtrail/core/store');
const problems = [];
const check = (label, ok) => ok || problems.push(label);
const id = '01890000-0000-7000-8000-000000000001';

check('the ESM and CJS builds are separate copies (else this check proves nothing)', !(new cjs.JobNotFoundError(id) instanceof esm.JobNotFoundError));
check('ESM JobNotFoundError.isInstance(a CJS JobNotFoundError)', esm.JobNotFoundError.isInstance(new cjs.JobNotFoundError(id)));
check('CJS JobValidationError.isInstance(an ESM JobValidationError)', cjs.JobValidationError.isInstance(new esm.JobValidationError('f', 'm')));
check('ESM StoreError.isInstance(a CJS JobNotFoundError) is false', !esm.StoreError.isInstance(new cjs.JobNotFoundError(id)));
check('CJS JobtrailError (.) .isInstance(a CJS ./client JobsHttpError)', cjs.JobtrailError.isInstance(new cjsClient.JobsHttpError(404, 'job_not_found', 'm')));
check('ESM ./client JobtrailError.isInstance(a CJS StoreError)', esmClient.JobtrailError.isInstance(new cjs.StoreError('m')));
check('CJS ./client JobsNetworkError.isInstance(an ESM ./client JobsNetworkError)', cjsClient.JobsNetworkError.isInstance(new esmClient.JobsNetworkError('m')));
check('ESM JobValidationError.isInstance(a CJS ./store refusal)', esm.JobValidationError.isInstance(cjsStore.metricOverflowError('m')));
check('CJS JobValidationError.isInstance(an ESM ./store refusal)', cjs.JobValidationError.isInstance(esmStore.metricOverflowError('m')));
check('a plain object with a code is no JobtrailError', !esm.JobtrailError.isInstance({ code: 'job_not_found', name: 'JobNotFoundError' }));

const statusFor = async (error) => {
  const store = new cjs.MemoryJobStore();
  store.get = () => Promise.reject(error);
  const tracker = esm.createTracker({ store, recoverIntervalMs: false });
  const handler = esm.createJobsHandler({ tracker, authorize: () => ({ admin: true }), onError: () => {} });
  const response = await handler(new Request('http://jobs.test/jobs/' + id));
  await tracker.close();
  return response.status;
};
for (const [error, status] of [[new cjs.JobNotFoundError(id), 404], [new cjs.JobValidationError('id', 'm'), 400], [new cjs.JobConflictError(id, 'm'), 409], [new cjs.StoreError('m'), 500]]) {
  const got = await statusFor(error);
  check(\`the ESM handler answers \${status} for a CJS \${error.name} (got \${got})\`, got === status);
}
console.log(JSON.stringify(problems));
`;
}

/** Writes check.ts / check.cts and two tsconfigs, then runs the repo's tsc on each (in parallel). */
function startTsc(entries, typescriptLib) {
  const esmLines = [];
  const cjsLines = [];
  entries.forEach((e, i) => {
    esmLines.push(`import * as m${i} from ${JSON.stringify(e.key)};`);
    if (e.sub.cjs) cjsLines.push(`import m${i} = require(${JSON.stringify(e.key)});`);
  });
  const refs = (lines) => `export type Modules = [${lines.map((l) => `typeof ${l.match(/m\d+/)[0]}`).join(', ')}];\n`;
  const banner = '// Generated by scripts/test-build.mjs: type-checks what a TypeScript user imports.\n';
  writeFileSync(path.join(scratch, 'check.ts'), `${banner}${esmLines.join('\n')}\n${refs(esmLines)}`);
  writeFileSync(path.join(scratch, 'check.cts'), `${banner}${cjsLines.join('\n')}\n${refs(cjsLines)}`);
  const common = {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    // What a typical Node app compiles with: peers such as mongodb and typeorm reference Node's
    // types and explicit resource management in their own declarations.
    lib: ['ES2022', 'ESNext.Disposable', 'DOM', 'DOM.Iterable'],
    types: ['node'],
    skipLibCheck: false, // check our .d.ts files, not only their resolution
    skipDefaultLibCheck: true,
  };
  const configs = [
    {
      label: 'tsc NodeNext',
      file: 'tsconfig.nodenext.json',
      files: ['check.ts', 'check.cts'],
      options: { ...common, module: 'NodeNext', moduleResolution: 'NodeNext' },
    },
    {
      label: 'tsc Bundler',
      file: 'tsconfig.bundler.json',
      files: ['check.ts'],
      // Same .d.ts files as the NodeNext import side, already checked there: only resolution and
      // check.ts matter here.
      options: { ...common, module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true },
    },
  ];
  return Promise.all(
    configs.map(async (config) => {
      writeFileSync(
        path.join(scratch, config.file),
        `${JSON.stringify({ compilerOptions: config.options, files: config.files }, null, 2)}\n`,
      );
      const result = await run(bin('tsc'), ['-p', config.file, '--pretty', 'false', '--listFiles'], { cwd: scratch });
      return { label: config.label, files: `${config.files.join(' + ')} (${config.file}, strict)`, result, typescriptLib };
    }),
  );
}
