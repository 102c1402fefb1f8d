// The conformance corpus: calls kept as data in corpus.yaml, expanded here into one CaseSpec per
// call. A case names the top page's origin, an optional frame, the options (a template deep-merged
// onto the base options of its call, with markers the page harness turns into values), the
// abort plan and whether the authenticator answers.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type Call = 'create' | 'get';
export type AbortPlan = 'before' | 'sync' | 'waiting' | 'after';
export type Answer = 'approve' | 'deny' | 'wait';

export interface FrameSpec {
  /** The frame's origin (its page is `${src}/`); absent with srcdoc. */
  src?: string;
  allow?: string;
  sandbox?: string;
  srcdoc?: boolean;
}

export interface CaseSpec {
  id: string;
  group: string;
  call: Call;
  origin: string;
  frame?: FrameSpec;
  /** The publicKey member as the page passes it (after merging onto the base); absent = no member. */
  publicKey?: unknown;
  mediation?: unknown;
  abort?: AbortPlan;
  abortReason?: unknown;
  answer: Answer;
  /**
   * Register a discoverable credential on this origin first (its id is the `$cred` marker);
   * `largeBlob`: with the largeBlob extension (support: preferred), so it can hold a blob.
   */
  setup?: { origin?: string; rpId?: string; discoverable?: boolean; largeBlob?: boolean };
  trace?: boolean;
  /** Run in the CI-sized subset. */
  ci?: boolean;
  note?: string;
}

interface RawCase extends Partial<Omit<CaseSpec, 'publicKey'>> {
  publicKey?: unknown;
  base?: boolean;
  vary?: { path: string; values: unknown[]; labels?: string[] };
}

interface RawCorpus {
  defaults: { origin: string };
  base: Record<Call, Record<string, unknown>>;
  wellKnown: Record<string, string[]>;
  cases: RawCase[];
}

const DELETE = '$delete';

function isPlain(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Deep-merge `patch` onto `base`; `{ $delete: true }` removes a member; markers replace wholesale. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isPlain(base) || !isPlain(patch) || Object.keys(patch).some((k) => k.startsWith('$'))) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (isPlain(v) && v[DELETE] === true) delete out[k];
    else out[k] = k in base ? merge(base[k], v) : v;
  }
  return out;
}

function setPath(target: unknown, path: string, value: unknown): unknown {
  const [head, ...rest] = path.split('.');
  const obj = isPlain(target) ? { ...target } : {};
  if (rest.length === 0) {
    if (isPlain(value) && value[DELETE] === true) delete obj[head!];
    else obj[head!] = value;
  } else obj[head!] = setPath(obj[head!], rest.join('.'), value);
  return obj;
}

const label = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined').slice(0, 40);

export interface Corpus {
  cases: CaseSpec[];
  wellKnown: Record<string, string[]>;
  base: Record<Call, Record<string, unknown>>;
}

export function loadCorpus(file = fileURLToPath(new URL('./corpus.yaml', import.meta.url))): Corpus {
  const raw = parse(readFileSync(file, 'utf8')) as RawCorpus;
  const cases: CaseSpec[] = [];
  for (const c of raw.cases) {
    const call = c.call ?? 'create';
    const publicKey = c.base === false ? c.publicKey : c.publicKey === undefined ? raw.base[call] : merge(raw.base[call], c.publicKey);
    const one = (id: string, pk: unknown, extra: Partial<CaseSpec> = {}): CaseSpec => {
      const spec: CaseSpec = {
        id,
        group: c.group ?? 'misc',
        call,
        origin: c.origin ?? raw.defaults.origin,
        answer: c.answer ?? 'approve',
        ...(c.frame ? { frame: c.frame } : {}),
        ...(c.mediation !== undefined ? { mediation: c.mediation } : {}),
        ...(c.abort ? { abort: c.abort } : {}),
        ...(c.abortReason !== undefined ? { abortReason: c.abortReason } : {}),
        ...(c.setup ? { setup: c.setup } : {}),
        ...(c.trace ? { trace: true } : {}),
        ...(c.ci ? { ci: true } : {}),
        ...(c.note ? { note: c.note } : {}),
        ...extra,
      };
      if (pk !== undefined) spec.publicKey = pk;
      return spec;
    };
    if (!c.id) throw new Error(`A corpus case lacks an id: ${JSON.stringify(c)}`);
    if (c.vary) {
      c.vary.values.forEach((value, i) => {
        const id = `${c.id}/${c.vary!.labels?.[i] ?? label(value)}`;
        if (c.vary!.path === 'origin') cases.push(one(id, publicKey, { origin: value as string }));
        else if (c.vary!.path === 'mediation') cases.push(one(id, publicKey, { mediation: value }));
        else if (c.vary!.path === 'abort') cases.push(one(id, publicKey, { abort: value as AbortPlan }));
        else if (c.vary!.path === 'frame') cases.push(one(id, publicKey, { frame: value as FrameSpec }));
        else cases.push(one(id, setPath(publicKey, c.vary!.path.replace(/^publicKey\./, ''), value)));
      });
    } else cases.push(one(c.id, publicKey));
  }
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`Duplicate corpus id ${c.id}`);
    ids.add(c.id);
  }
  return { cases, wellKnown: raw.wellKnown, base: raw.base };
}

/** Every host name the corpus uses, for the certificate. */
export function hostsOf(cases: CaseSpec[], wellKnown: Record<string, string[]>): string[] {
  const hosts = new Set<string>(Object.keys(wellKnown));
  const add = (origin: string | undefined) => {
    if (!origin) return;
    try {
      hosts.add(new URL(origin).hostname);
    } catch {
      // not a URL (a deliberately broken case)
    }
  };
  for (const c of cases) {
    add(c.origin);
    add(c.frame?.src);
    add(c.setup?.origin);
  }
  return [...hosts].filter((h) => !/^[\d.]+$/.test(h));
}
