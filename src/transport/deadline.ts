import http from 'node:http';
import https from 'node:https';

/**
 * The wire for one exchange (all its attempts), given to axios as `config.transport`. axios's own
 * `timeout` is a socket *idle* timeout: a relay that drips a body a few bytes at a time never trips
 * it. This wire turns it into a deadline for the whole exchange: each request it opens gets one
 * unref'd timer for the time left, and is destroyed with `ETIMEDOUT` if still running then.
 * It creates no AbortController.
 */
export class DeadlineWire {
  private readonly deadline: number;
  /** True once the deadline destroyed a request of this exchange. */
  expired = false;

  constructor(timeoutMs: number) {
    this.deadline = Date.now() + timeoutMs;
  }

  /** Called by axios in place of `http.request` / `https.request`. */
  request(options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const req = (options.protocol === 'https:' ? https : http).request(options, onResponse);
    const left = Math.max(1, this.deadline - Date.now());
    const timer = setTimeout(() => {
      this.expired = true;
      const error = Object.assign(new Error(`no complete response within the deadline`), { code: 'ETIMEDOUT' });
      // Fail the response stream too, so a half-read body settles.
      (req as http.ClientRequest & { res?: http.IncomingMessage }).res?.destroy(error);
      req.destroy(error);
    }, left);
    timer.unref();
    req.once('close', () => clearTimeout(timer));
    return req;
  }
}
