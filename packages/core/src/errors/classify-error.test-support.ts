/** An error as HTTP clients throw it: `status` (and whatever `extra` adds: headers, response, code). */
export function httpError(status: unknown, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`Request failed with status ${String(status)}`), { status }, extra);
}

/** An error as Node's network layer throws it: a `code` such as ECONNRESET. */
export function codeError(code: string, message = `connect ${code} 10.0.0.1:443`): Error {
  return Object.assign(new Error(message), { code });
}
