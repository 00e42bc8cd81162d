import { useState } from 'react';
import { ApiError } from '../api/dashboard-api.js';

/**
 * Pause/Resume of schedules and types: one pending name at a time, the server's error kept, and
 * `unavailable` once the server answered that it has no such route (404/501) or forbids it (403),
 * so the buttons can be hidden with a note.
 */
export function useToggleAction(onDone: () => void) {
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [blocked, setBlocked] = useState<'forbidden' | 'unavailable' | null>(null);
  const run = async (name: string, call: () => Promise<unknown>) => {
    setPending(name);
    setError(null);
    try {
      await call();
      onDone();
    } catch (cause) {
      const apiError = cause instanceof ApiError ? cause : new ApiError(0, 'unknown', String(cause));
      setError(apiError);
      if (apiError.status === 403) setBlocked('forbidden');
      else if (apiError.isUnavailable) setBlocked('unavailable');
    } finally {
      setPending(null);
    }
  };
  return { pending, error, blocked, run };
}
