import { afterEach, describe, expect, it } from 'vitest';
import { withoutSignalHooks } from '../src/server/store/without-signal-hooks.js';

describe('withoutSignalHooks', () => {
  const ours = () => {};
  afterEach(() => {
    process.off('SIGTERM', ours);
  });

  it('removes the signal listeners a module installs while loading, and keeps the ones before it', async () => {
    process.on('SIGTERM', ours);
    const theirs = () => {};
    const loaded = await withoutSignalHooks(async () => {
      process.on('SIGTERM', theirs);
      process.on('SIGINT', theirs);
      return 'module';
    });
    expect(loaded).toBe('module');
    expect(process.listeners('SIGTERM')).toContain(ours);
    expect(process.listeners('SIGTERM')).not.toContain(theirs);
    expect(process.listeners('SIGINT')).not.toContain(theirs);
  });

  it('removes them even when loading fails', async () => {
    const theirs = () => {};
    await expect(
      withoutSignalHooks(async () => {
        process.on('SIGHUP', theirs);
        throw new Error('cannot load');
      }),
    ).rejects.toThrow('cannot load');
    expect(process.listeners('SIGHUP')).not.toContain(theirs);
  });
});
