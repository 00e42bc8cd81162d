#!/usr/bin/env node
import { runCli } from './index.js';

// exitCode, not exit(): stdout is flushed first when it is a pipe.
process.exitCode = await runCli(process.argv.slice(2));
