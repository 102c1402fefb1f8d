// The bridge's hand-written guards accept exactly what the TypeBox schemas accept.
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { FramePolicyQuerySchema } from '../runtime-messages.ts';
import { isConnectDeclaration, isConnectMessage, isFramePolicyQuery, isOpenMessage, isPortRequest } from './guards.ts';
import { ConnectDeclarationSchema, ConnectMessageSchema, OpenMessageSchema, PortRequestSchema } from './page-schema.ts';

/** Values near the valid ones: the right keys with random values, extra keys, missing keys. */
function near(valid: Record<string, unknown>[]): fc.Arbitrary<unknown> {
  const nasty = fc.oneof(
    fc.constantFrom<unknown>(undefined, null, 0, 1, -1, 1.5, NaN, '', 'x'.repeat(33), 'x'.repeat(2049), [], {}, true, 'create', 'get', 'open', 'connect', 'pairkey/v2', 'frame/policy', 'publickey-credentials-get'),
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.anything({ maxDepth: 2 }),
  );
  const fromValid = fc.constantFrom(...valid).chain((v) =>
    fc.oneof(
      fc.constant(v),
      fc.constantFrom(...Object.keys(v)).chain((k) => nasty.map((x) => ({ ...v, [k]: x }))),
      fc.constantFrom(...Object.keys(v)).map((k) => Object.fromEntries(Object.entries(v).filter(([key]) => key !== k))),
      fc.tuple(fc.constantFrom('extra', 'origin', 'mediation', 'options', '__proto__', 'constructor'), nasty).map(([k, x]) => {
        const copy: Record<string, unknown> = { ...v };
        Object.defineProperty(copy, k, { value: x, enumerable: true, writable: true, configurable: true });
        return copy;
      }),
    ),
  );
  return fc.oneof(fromValid, nasty, fc.array(fc.constantFrom(...valid), { maxLength: 2 }));
}

const cases: [string, (v: unknown) => boolean, TSchema, Record<string, unknown>[]][] = [
  ['open', isOpenMessage, OpenMessageSchema, [{ channel: 'pairkey/v2', kind: 'open' }]],
  ['connect', isConnectMessage, ConnectMessageSchema, [{ channel: 'pairkey/v2', kind: 'connect' }]],
  [
    'connect declaration',
    isConnectDeclaration,
    ConnectDeclarationSchema,
    [
      { relayUrl: 'ws://localhost:8787/relay', phoneUrl: 'http://localhost:8788/' },
      { relayUrl: 'x', phoneUrl: 'y'.repeat(2048) },
    ],
  ],
  [
    'port request',
    isPortRequest,
    PortRequestSchema,
    [
      { type: 'create', options: { challenge: { $b64: 'AA' } } },
      { type: 'get', options: null, mediation: 'conditional' },
      { type: 'cancel' },
      { type: 'native-done' },
      { type: 'capabilities' },
    ],
  ],
  [
    'frame policy query',
    isFramePolicyQuery,
    FramePolicyQuerySchema,
    [
      { type: 'frame/policy', frameId: 3, origin: 'https://a.example', feature: 'publickey-credentials-get' },
      { type: 'frame/policy', frameId: 1, origin: 'x', feature: 'publickey-credentials-create' },
    ],
  ],
];

describe('bridge guards', () => {
  for (const [name, guard, schema, valid] of cases) {
    it(`${name}: agrees with the TypeBox schema`, () => {
      for (const v of valid) expect(guard(v)).toBe(true);
      fc.assert(
        fc.property(near(valid), (value) => {
          expect(guard(value)).toBe(Value.Check(schema, value));
        }),
        { numRuns: 3000 },
      );
    });
  }
});
