import type { Exception } from '@opentelemetry/api';

/**
 * A low-cardinality `error.type`: the error's `code` when it has one (`ECONNRESET`,
 * `job_timeout`, `lease_expired`; for a `store_error`, its cause's code when that has one), else the HTTP status it carries (`503`, as the HTTP
 * conventions do; core's classifier reads the same fields), else its class name (`TypeError`),
 * else `_OTHER` as the conventions ask for values that are not errors at all.
 */
export function errorTypeOf(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    // Core's store wrapper turns whatever a store throws into a StoreError (`store_error`) with
    // the original as `cause`: the driver's code (ECONNREFUSED, SQLSTATE 57P01) is the useful class.
    if (code === 'store_error') {
      const cause = (error as { cause?: unknown }).cause;
      const causeCode = cause !== null && typeof cause === 'object' ? (cause as { code?: unknown }).code : undefined;
      if (typeof causeCode === 'string' && causeCode !== '') return causeCode;
    }
    if (typeof code === 'string' && code !== '') return code;
    if (typeof code === 'number' && Number.isFinite(code)) return String(code);
    const status = httpStatusOf(error);
    if (status !== undefined) return String(status);
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return '_OTHER';
}

function httpStatusOf(error: object): number | undefined {
  const candidates = [
    (error as { status?: unknown }).status,
    (error as { statusCode?: unknown }).statusCode,
    (error as { response?: { status?: unknown } | null }).response?.status,
  ];
  for (const value of candidates) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599) return value;
  }
  return undefined;
}

/** What `span.recordException` accepts, for anything a handler may throw. */
export function asException(error: unknown): Exception {
  if (error instanceof Error || typeof error === 'string') return error;
  if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    return error as Exception;
  }
  return { name: '_OTHER', message: safeString(error) };
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return safeString(error);
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' ? (JSON.stringify(value) ?? String(value)) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
