import { systemClock, type Clock } from '../clock.js';

/**
 * What a poisoned soul does to the local relay: answer a fixed status/body, never answer, reset
 * the connection, answer normally after a delay, or answer part of the node. The production
 * relay's misreads of a freshly written node are reproduced with `{ status: 404, body: { error:
 * 'Not found' }, path: '/get', times: n }` (a quick false 404) and `{ partialKeys: k, times: n }`;
 * its cross-linked keys with `{ extraFields: { [key]: { '#': '<soul>/<other key>' } } }`;
 * its misreads of a large node with `{ firstReaderOnly: { missForMs } }`.
 */
export type RelayFaultBehaviour =
  | {
      /** HTTP status to answer. */
      status: number;
      /** JSON body (an object is serialised, a string is sent raw). Default `{"error":"Injected fault"}`. */
      body?: unknown;
    }
  | {
      /** Never answer; the connection stays open until the client gives up or the relay closes. */
      hang: true;
    }
  | {
      /** Destroy the socket without any response. */
      reset: true;
    }
  | {
      /** Wait this long, then handle the request normally. */
      delayMs: number;
    }
  | {
      /**
       * A `GET /get` answers only the first `partialKeys` live keys of the node, in gun's order
       * (200 while at least one is left, else the relay's quick 404); other requests are handled normally.
       */
      partialKeys: number;
    }
  | {
      /**
       * A `GET /get` of a live node answers it with these fields added after its own, as the
       * relay's disk store adds truncated copies of keys to a large node (e.g. `{ [truncatedKey]:
       * { '#': '<soul>/<another key>' } }`, a cross-link); other requests are handled normally.
       */
      extraFields: Record<string, unknown>;
    }
  | {
      /**
       * The production relay on a large node (20,000 entries): a `GET /get` of the soul is
       * answered normally, then every `GET /get` of it within `missForMs` of that answer gets the
       * relay's 404 "Not found" (production: 4–9 s); the first read after the window is answered
       * normally and opens the next window. Time is `clock`'s (default the system clock): give it
       * the client's `ManualClock` to make the window deterministic. The 404s are answered at once
       * (production takes seconds). Other requests are handled normally.
       */
      firstReaderOnly: { missForMs: number; clock?: Pick<Clock, 'now'> };
    };

/**
 * A fault rule: a behaviour plus optional limits. `path` (e.g. `'/put'`) and `method` restrict
 * which requests it applies to; `times` removes it after that many matches.
 */
export type RelayFault = RelayFaultBehaviour & {
  /** Only requests to this path (e.g. `'/put'`, `'/get'`). */
  path?: string;
  /** Only requests with this method (e.g. `'POST'`). */
  method?: string;
  /** Apply to this many matching requests, then remove the rule. Default: until cleared. */
  times?: number;
  /** Only puts whose parsed JSON body (`{ soul, data }`) this returns true for: a relay refusing one write shape. */
  matchBody?: (body: unknown) => boolean;
};

interface Rule {
  readonly soul: string;
  readonly fault: RelayFault;
  remaining: number;
  /** `firstReaderOnly`: when the last whole answer was let through. */
  servedAt?: number;
}

const RELAY_NOT_FOUND: RelayFault = { status: 404, body: { error: 'Not found' } };

/** The set of active fault rules of one relay. Most recently added rule wins; exact souls before `*`. */
export class RelayFaultTable {
  private rules: Rule[] = [];

  add(soul: string, fault: RelayFault): () => void {
    const rule: Rule = { soul, fault, remaining: fault.times ?? Number.POSITIVE_INFINITY };
    this.rules.push(rule);
    return () => {
      this.rules = this.rules.filter((r) => r !== rule);
    };
  }

  clear(soul?: string): void {
    this.rules = soul === undefined ? [] : this.rules.filter((r) => r.soul !== soul);
  }

  /** Finds (and consumes one use of) the rule for this request, if any. */
  take(request: { soul: string | null; path: string; method: string; body?: unknown }): RelayFault | undefined {
    const applies = (r: Rule): boolean =>
      (!('firstReaderOnly' in r.fault) || (request.path === '/get' && request.method === 'GET')) &&
      (r.fault.path === undefined || r.fault.path === request.path) &&
      (r.fault.method === undefined || r.fault.method.toUpperCase() === request.method) &&
      (r.fault.matchBody === undefined || (request.body !== undefined && r.fault.matchBody(request.body)));
    const newestFirst = [...this.rules].reverse();
    const rule =
      newestFirst.find((r) => request.soul !== null && r.soul === request.soul && applies(r)) ??
      newestFirst.find((r) => r.soul === '*' && applies(r));
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    if ('firstReaderOnly' in rule.fault) {
      const { missForMs, clock = systemClock } = rule.fault.firstReaderOnly;
      const now = clock.now();
      if (rule.servedAt !== undefined && now - rule.servedAt < missForMs) return RELAY_NOT_FOUND;
      rule.servedAt = now;
      return undefined;
    }
    return rule.fault;
  }
}
