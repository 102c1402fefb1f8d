// A TypeBox type provider for Fastify (what @fastify/type-provider-typebox does, in a few
// lines, since that package is not installed): route handlers see request bodies typed from
// the same schemas Fastify validates them against.
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyTypeProvider } from 'fastify';

export interface TypeBoxTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}
