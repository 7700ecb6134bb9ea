import { classifyStatus } from '../protocol/responses.js';

/** The relay endpoint a request went to: a delete reads with `'get'` and writes with `'put'`. */
export type RelayEndpoint = 'get' | 'put' | 'list';

/**
 * What a non-2xx answer means. `miss`: the soul is absent (a get resolves `null`). `soul`: the
 * relay refused this soul's request (counted against it, subject to attribution). `relay`: the
 * relay, or the road to it, failed (retried, failed over, never counted against a soul).
 */
export type RelayVerdict = 'miss' | 'soul' | 'relay';

/**
 * Decides what a relay's non-2xx answer means. Returning `undefined` keeps the built-in verdict
 * of the relay's `kind`. `bodyText` is the head of the answer's body, decoded as UTF-8: at most
 * `BODY_EXCERPT_LIMIT` (512) characters, the error's `bodyExcerpt`.
 */
export type RelayClassifier = (op: RelayEndpoint, status: number, bodyText: string) => RelayVerdict | undefined;

/** Verdict for a relay reached directly: 400 and a 500 with GUN's string message are the soul's; the rest the relay's. */
export const directRelayClassifier: RelayClassifier = (_op, status, bodyText) =>
  classifyStatus(status, bodyText) === 'SOUL_REJECTED' ? 'soul' : 'relay';

/** The proxy's wording for a relay status it replaced with its own 500 (or passed through, on puts). */
const UPSTREAM_STATUS = /Request failed with status code (\d{3})/;

/**
 * Verdict for a peer behind the OIP indexer's `/gun-relay` proxy, which answers every relay
 * failure with its own `{"error": <HTTP client message>, "success": false}`:
 * - get, "…status code 404" → `miss` (the relay's "Not found", hidden behind a 500);
 * - put, "…status code 500" (GUN refused the data, its message lost), 400 and 413 → `soul`;
 * - 503 "disabled for maintenance", refused, reset, timeout and every other status → `relay`.
 */
export const oipProxyClassifier: RelayClassifier = (op, status, bodyText) => {
  const upstream = UPSTREAM_STATUS.exec(bodyText)?.[1];
  if (op === 'get' && upstream === '404') return 'miss';
  if (op === 'put' && (status === 400 || status === 413)) return 'soul';
  if (op === 'put' && upstream !== undefined && (upstream === '500' || upstream === '400')) return 'soul';
  return 'relay';
};

/** Payload of the client's `classifierError` event and of the `gun-relay-client:classifier` diagnostics channel. */
export interface ClassifierProblem {
  /** The relay whose `classify` hook misbehaved (credentials removed). */
  relay: string;
  /** The endpoint and status it was asked about. */
  op: RelayEndpoint;
  status: number;
  /** `threw`: the hook threw `error`; `unknown-verdict`: it answered `verdict`, which is none of `miss`, `soul`, `relay`, `undefined`. */
  problem: 'threw' | 'unknown-verdict';
  error?: unknown;
  verdict?: unknown;
}
