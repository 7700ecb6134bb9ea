/** Something the process must not leave running when it exits (a local relay). */
export interface ExitWatched {
  /** True once its close has started. */
  readonly isClosing: boolean;
  /** The event loop is empty and the process is about to exit: warn and start closing. */
  closeAtExit(): void;
  /** The process is exiting now (`process.exit()`): release what can be, synchronously. */
  killAtExit(): void;
}

const watched = new Set<ExitWatched>();

function beforeExit(): void {
  for (const item of watched) if (!item.isClosing) item.closeAtExit();
}

function exit(): void {
  for (const item of watched) item.killAtExit();
}

/** Watches `item` until {@link unwatchExit}; one pair of process listeners serves every item. */
export function watchExit(item: ExitWatched): void {
  if (watched.size === 0) {
    process.on('beforeExit', beforeExit);
    process.on('exit', exit);
  }
  watched.add(item);
}

/** Stops watching `item`; the process listeners go with the last one. */
export function unwatchExit(item: ExitWatched): void {
  if (!watched.delete(item) || watched.size > 0) return;
  process.off('beforeExit', beforeExit);
  process.off('exit', exit);
}
