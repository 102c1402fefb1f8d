#!/usr/bin/env node
// Package bin: `pairkey qa …` (docs/qa.md). The sources are TypeScript; tsx runs them as they are.
import { register } from 'tsx/esm/api';

register();
await import('../qa/cli.ts');
