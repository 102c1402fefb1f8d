#!/usr/bin/env node
// Package bin: `pairkey qa …` (docs/qa.md), `pairkey relay` (the relay-only server, docs/server.md).
// The sources are TypeScript; tsx runs them as they are.
import { register } from 'tsx/esm/api';

register();
if (process.argv[2] === 'relay') await import('../harness-server/relay-main.ts');
else await import('../qa/cli.ts');
