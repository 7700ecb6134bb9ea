import type { Command } from 'commander';
import type { Io } from '../io.js';

/** `sync`: runs the OIP sync worker. */
export function registerSyncCommand(_program: Command, _io: Io, _done: (code: number) => void): void {}
