/**
 * The message of whatever was thrown, for an error the SDK builds around it: never throws itself
 * (`Object.create(null)`, a revoked Proxy, an Error whose `message` getter throws), at most `max`
 * characters, control characters as spaces.
 */
export function thrownMessage(thrown: unknown, max = 300): string {
  let text: string;
  try {
    text = thrown instanceof Error ? String(thrown.message) : String(thrown);
  } catch {
    text = `a value that cannot be shown (${typeof thrown})`;
  }
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}
