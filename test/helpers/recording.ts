import type { Transport, TransportRequest } from '../../src/index.js';

/** A transport that records every request it is given (the body is what goes on the wire, verbatim). */
export function recording(inner: Transport): Transport & { sent: TransportRequest[] } {
  const sent: TransportRequest[] = [];
  return { sent, send: (r) => (sent.push(r), inner.send(r)), close: () => inner.close() };
}
