// Steps that must not overlap (read, change, write the same record) run one after another.

export type Queue = <T>(step: () => Promise<T>) => Promise<T>;

/** A queue: each step starts when every earlier one has ended; a failure goes to its own caller only. */
export function queue(): Queue {
  let last: Promise<unknown> = Promise.resolve();
  return (step) => {
    const run = last.then(step);
    last = run.catch(() => undefined);
    return run;
  };
}
