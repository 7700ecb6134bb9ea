import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { CallScope } from '../client/Counters.js';
import { GunRelayError } from '../errors.js';

/**
 * The loop's client seen through one cycle: every method of the client, whose calls also count
 * in the cycle's counters and stop when the cycle's signal aborts. It is an object whose
 * prototype is the client, so methods added to the client later are attributed as well; its one
 * own state is the scope. Frozen, so a method that assigned client state through it would throw
 * rather than shadow the client's field. `close()` is refused: the loop owns the client.
 */
export function cycleView(client: GunRelayClient, scope: CallScope): GunRelayClient {
  const view = Object.create(client) as GunRelayClient;
  Object.defineProperty(view, 'scope', { value: scope });
  Object.defineProperty(view, 'close', {
    value: (): never => {
      throw new GunRelayError('INVALID_INPUT', "close: a cycle's client is a view of the loop's client; close the client itself", {
        field: 'close',
      });
    },
  });
  Object.freeze(view);
  return view;
}
