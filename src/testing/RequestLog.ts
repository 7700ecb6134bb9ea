import { pushBounded } from './httpUtil.js';

/**
 * What a loopback test server counts about the requests it receives: the total, a count per
 * path, and the most recent records (bounded). Shared by the local relay and the OIP proxy.
 */
export class RequestLog<R extends { path: string }> {
  private total = 0;
  private byPath: Record<string, number> = {};
  private records: R[] = [];

  constructor(private readonly size: number) {}

  /** Counts `record` and keeps it (the caller may still fill it in, e.g. its status). */
  add(record: R): R {
    this.total++;
    this.byPath[record.path] = (this.byPath[record.path] ?? 0) + 1;
    pushBounded(this.records, record, this.size);
    return record;
  }

  get count(): number {
    return this.total;
  }

  /** Requests per path; a copy. */
  get perPath(): Readonly<Record<string, number>> {
    return { ...this.byPath };
  }

  /** The kept records, oldest first; copies. */
  entries(): R[] {
    return this.records.map((r) => ({ ...r }));
  }

  reset(): void {
    this.total = 0;
    this.byPath = {};
    this.records = [];
  }
}
