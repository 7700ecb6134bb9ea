import { redactUrl } from '../errors.js';
import { directRelayClassifier, oipProxyClassifier, type RelayClassifier } from './classifiers.js';

/** How a relay is reached: `relay` directly (`GUN_PEERS`), `oip-proxy` through a peer's `/gun-relay` routes. */
export type RelayKind = 'relay' | 'oip-proxy';

/** One entry of the client's `baseUrl`: a plain URL is a direct relay. */
export interface RelayEntry {
  /** Base URL: `http://gun-relay:8765` for a relay, `https://peer.example/gun-relay` for a proxy. */
  url: string;
  /** Default `'relay'`. */
  kind?: RelayKind | undefined;
  /** Path probed by `health()`. Default: `/peers/status` for a relay, a get of {@link PROXY_HEALTH_SOUL} for a proxy. */
  healthPath?: string | undefined;
  /** Overrides the kind's verdict for a non-2xx answer; return `undefined` to keep it. */
  classify?: RelayClassifier | undefined;
}

/** The soul a proxy's default health probe reads; a miss is as healthy as a hit. */
export const PROXY_HEALTH_SOUL = 'oip:registry:index:post';

/** A relay entry with its defaults applied. */
export interface RelayProfile {
  /** Base URL without trailing slash (may hold credentials: never shown). */
  readonly url: string;
  /** The URL with credentials removed: how results, events and errors name this relay. */
  readonly label: string;
  readonly kind: RelayKind;
  readonly healthPath: string;
  /** The kind's built-in verdict. */
  readonly builtIn: RelayClassifier;
  /** The caller's override, if any. */
  readonly custom: RelayClassifier | undefined;
}

/** Applies the defaults of the entry's kind. `url` must already be validated and trimmed. */
export function relayProfile(entry: RelayEntry): RelayProfile {
  const kind = entry.kind ?? 'relay';
  return {
    url: entry.url,
    label: redactUrl(entry.url),
    kind,
    healthPath: entry.healthPath ?? (kind === 'oip-proxy' ? `/get?soul=${encodeURIComponent(PROXY_HEALTH_SOUL)}` : '/peers/status'),
    builtIn: kind === 'oip-proxy' ? oipProxyClassifier : directRelayClassifier,
    custom: entry.classify,
  };
}
