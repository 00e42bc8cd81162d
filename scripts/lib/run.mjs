// Small process helpers for the repo's node scripts (no dependencies).
import { spawn } from 'node:child_process';

/**
 * Runs a command without a shell and collects its output. Never rejects for a
 * non-zero exit: callers decide what a failure means and how to report it.
 * stdin is closed so nothing can wait for a prompt (CI has no stdin).
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<{ code: number, stdout: string, stderr: string, output: string, ms: number }>}
 */
export function run(command, args, options = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      output += chunk;
    });
    const done = (code) => resolve({ code, stdout, stderr, output, ms: performance.now() - started });
    child.on('error', (error) => {
      output += `\n${command}: ${error.message}`;
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

/** Drops npm's noise about user-level config that is not ours to fix. */
export function withoutNpmNoise(text) {
  return text
    .split('\n')
    .filter((line) => !/^npm warn Unknown (user|project|global|env) config/.test(line))
    .join('\n')
    .trim();
}

/** Indents a block of text for a failure report, keeping at most `max` lines. */
export function indent(text, max = 60, prefix = '      ') {
  const lines = String(text).trimEnd().split('\n');
  const kept = lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more line(s)`] : lines;
  return kept.map((line) => prefix + line).join('\n');
}
