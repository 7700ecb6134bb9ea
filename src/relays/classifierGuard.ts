import { classifierChannel } from '../tracing/channels.js';
import type { ClassifierProblem, RelayClassifier, RelayEndpoint, RelayVerdict } from './classifiers.js';

/**
 * Runs a caller's `classify` hook. A hook that throws or answers something unknown gives
 * `undefined` (the profile's own verdict applies) and is reported, on `report` and the channel.
 */
export function checkedVerdict(
  classify: RelayClassifier,
  relay: string,
  op: RelayEndpoint,
  status: number,
  body: string,
  report: (problem: ClassifierProblem) => void,
): RelayVerdict | undefined {
  let verdict: unknown;
  try {
    verdict = classify(op, status, body);
  } catch (error) {
    return reported({ relay, op, status, problem: 'threw', error }, report);
  }
  if (verdict === undefined || verdict === 'miss' || verdict === 'soul' || verdict === 'relay') return verdict;
  return reported({ relay, op, status, problem: 'unknown-verdict', verdict }, report);
}

function reported(problem: ClassifierProblem, report: (problem: ClassifierProblem) => void): undefined {
  report(problem);
  if (classifierChannel.hasSubscribers) classifierChannel.publish(problem);
  return undefined;
}
