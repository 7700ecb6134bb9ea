/** Longest error message a cycle report (and so `health()`) keeps, in characters. */
export const MAX_ERROR_MESSAGE = 1_024;
/** Longest error code kept. */
const MAX_CODE = 64;

/**
 * What a cycle report says about whatever `run` threw: `{ code, message }`, bounded, and never
 * throwing itself: a value without `toString` (`Object.create(null)`), a revoked Proxy, an Error
 * whose `message` getter throws, `undefined` or a 5 MiB message all give a short report, with
 * control characters (terminal escapes, line breaks) as spaces.
 */
export function describeThrown(thrown: unknown): { code: string | undefined; message: string } {
  let code: unknown;
  try {
    code = typeof thrown === 'object' && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  } catch {
    code = undefined;
  }
  return {
    code: typeof code === 'string' ? bound(code, MAX_CODE) : undefined,
    message: bound(messageOf(thrown), MAX_ERROR_MESSAGE),
  };
}

function messageOf(thrown: unknown): string {
  if (thrown === undefined || thrown === null) return `run threw ${String(thrown)}`;
  try {
    if (thrown instanceof Error) {
      const message: unknown = thrown.message;
      return typeof message === 'string' && message !== '' ? message : `run threw ${thrown.name || 'an Error'} without a message`;
    }
    return String(thrown);
  } catch {
    return `run threw a value that cannot be shown (${typeof thrown})`;
  }
}

// C0 and C1 control characters, DEL and the line separators: a report is read on terminals and pages.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function bound(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut.replace(CONTROL, ' ');
}
