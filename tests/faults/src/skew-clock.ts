/**
 * Makes this process's wall clock run `SKEW_MS` milliseconds off (ahead when positive), like a
 * host whose clock is not synchronised. Load it before anything else: `node --import tsx
 * --import ./skew-clock.ts ...` (see `ChildWorkers.spawn`'s `skewMs`).
 *
 * Patched: `Date.now()`, `new Date()` with no arguments and `Date()` called as a function — what
 * code reads the current time with. Dates built from a value (`new Date(ms)`, parsed strings)
 * are untouched, so what the process reads from the database stays what the database holds.
 * Not patched: `performance.now()` and `performance.timeOrigin`, so
 * `performance.timeOrigin + performance.now()` still tells the real time (the tests use it to
 * know when something really happened).
 */
const skewMs = Number(process.env['SKEW_MS'] ?? '0');
if (!Number.isFinite(skewMs)) throw new Error(`SKEW_MS must be a number of milliseconds; got ${process.env['SKEW_MS']}`);

const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
const skewedNow = (): number => realNow() + skewMs;

const SkewedDate: DateConstructor = new Proxy(RealDate, {
  construct(target, args: unknown[], newTarget): object {
    return Reflect.construct(target, args.length === 0 ? [skewedNow()] : args, newTarget === SkewedDate ? target : newTarget);
  },
  apply() {
    return new RealDate(skewedNow()).toString();
  },
  get(target, property, receiver) {
    if (property === 'now') return skewedNow;
    return Reflect.get(target, property, receiver);
  },
});

globalThis.Date = SkewedDate;

export {};
