// Lists the value exports a package's type declarations promise, as a consumer's
// TypeScript sees them (moduleResolution NodeNext), once through the `import`
// condition (from an .mts file) and once through `require` (from a .cts file).
// A name counts when it is a property of the module namespace object, so
// type-only exports (`export type { X }`) are left out, as at runtime.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {typeof import('typescript')} ts  the repo's TypeScript
 * @param {string} dir  a folder inside the scratch project (probe files are written here)
 * @param {{ key: string, specifier: string, format: 'esm' | 'cjs' }[]} probes
 * @param {string} [within]  declarations must resolve inside this folder (the scratch project)
 * @returns {Map<string, { names: string[] } | { error: string }>}  by probe key
 */
export function declaredValueExports(ts, dir, probes, within = dir) {
  mkdirSync(dir, { recursive: true });
  const esm = probes.filter((p) => p.format === 'esm');
  const cjs = probes.filter((p) => p.format === 'cjs');
  const esmFile = path.join(dir, 'probe.mts');
  const cjsFile = path.join(dir, 'probe.cts');
  // One identifier per probe; its type is the module namespace object.
  writeFileSync(
    esmFile,
    `${esm.map((p, i) => `import * as e${i} from ${JSON.stringify(p.specifier)};\ne${i};\n`).join('')}export {};\n`,
  );
  writeFileSync(
    cjsFile,
    `${cjs.map((p, i) => `import c${i} = require(${JSON.stringify(p.specifier)});\nc${i};\n`).join('')}export {};\n`,
  );

  const options = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const program = ts.createProgram({ rootNames: [esmFile, cjsFile], options });
  const checker = program.getTypeChecker();
  const result = new Map();

  for (const [file, list] of [
    [esmFile, esm],
    [cjsFile, cjs],
  ]) {
    const source = program.getSourceFile(file);
    const identifiers = source.statements
      .filter((s) => ts.isExpressionStatement(s) && ts.isIdentifier(s.expression))
      .map((s) => s.expression);
    list.forEach((probe, i) => {
      const resolution = ts.resolveModuleName(
        probe.specifier,
        file,
        options,
        ts.sys,
        undefined,
        undefined,
        probe.format === 'esm' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
      ).resolvedModule;
      if (!resolution || !/\.d\.[cm]?ts$/.test(resolution.resolvedFileName)) {
        const to = resolution ? ` (it resolves to ${resolution.resolvedFileName}, not a declaration file)` : '';
        const condition = probe.format === 'esm' ? 'import' : 'require';
        result.set(probe.key, { error: `no type declarations for "${probe.specifier}" through the "${condition}" condition (moduleResolution NodeNext)${to}` });
        return;
      }
      if (!path.resolve(resolution.resolvedFileName).startsWith(path.resolve(within) + path.sep)) {
        result.set(probe.key, {
          error: `types for "${probe.specifier}" resolved outside the scratch project, to ${resolution.resolvedFileName}: missing from the tarball, or an undeclared dependency?`,
        });
        return;
      }
      const type = checker.getTypeAtLocation(identifiers[i]);
      const names = checker
        .getPropertiesOfType(type)
        .map((symbol) => symbol.getName())
        .filter((name) => name !== '__esModule')
        .sort();
      result.set(probe.key, { names, typesFile: resolution.resolvedFileName });
    });
  }
  return result;
}
