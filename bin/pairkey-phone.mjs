#!/usr/bin/env node
// Package bin for the virtual phone. The sources are TypeScript; tsx runs them as they are.
import { register } from 'tsx/esm/api';

register();
await import('../phone/virtual/cli.ts');
