#!/usr/bin/env node
// The `gun-relay-client` command line (package `bin`): the one part of the package that prints.
import { main } from './program.js';

process.exitCode = await main(process.argv);
