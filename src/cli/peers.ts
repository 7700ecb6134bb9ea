import { Option } from 'commander';
import type { RelayKind } from 'gun-relay-client';
import { OIP_RECORD_TYPES } from 'gun-relay-client/oip';
import { usage } from './io.js';

/** A peer URL ending in `/gun-relay` is an OIP node's proxy; any other URL is a relay reached directly. */
export function peerKind(url: string): RelayKind {
  return /\/gun-relay\/?$/.test(url.split(/[?#]/)[0] ?? '') ? 'oip-proxy' : 'relay';
}

/** `--types a,b`: the record types, comma-separated. */
export function recordTypesOption(): Option {
  return new Option('--types <a,b>', 'record types, comma-separated (default: the indexer\'s 37)').argParser((value: string) => {
    const types = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
    if (types.length === 0) throw usage('--types needs at least one record type');
    return types;
  });
}

/** The record types used when `--types` is not given: the indexer's 37. */
export function defaultRecordTypes(): string[] {
  return [...OIP_RECORD_TYPES];
}
