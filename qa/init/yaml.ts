// Writes a draft profile as YAML with its comments: each above the field it is about, TODOs
// included, so the person editing the draft reads the guess next to the value.
import { Document, isMap, isScalar, Scalar, type Pair, type YAMLMap } from 'yaml';
import type { Draft } from './draft.ts';

function pairOf(doc: Document, path: string[]): Pair | null {
  let node: unknown = doc.contents;
  let pair: Pair | null = null;
  for (const key of path) {
    if (!isMap(node)) return null;
    const found = (node as YAMLMap).items.find((item) => (isScalar(item.key) ? item.key.value === key : item.key === key));
    if (!found) return null;
    pair = found as Pair;
    node = found.value;
  }
  return pair;
}

export function draftYaml(draft: Draft): string {
  const doc = new Document(draft.profile);
  const orphans: string[] = [];
  for (const comment of draft.comments) {
    const pair = pairOf(doc, comment.path);
    if (!pair) {
      orphans.push(`${comment.path.join('.')}: ${comment.text}`);
      continue;
    }
    if (!isScalar(pair.key)) pair.key = new Scalar(pair.key);
    const key = pair.key as Scalar;
    const line = ` ${comment.text.replace(/\s*\n\s*/g, ' ')}`;
    key.commentBefore = key.commentBefore ? `${key.commentBefore}\n${line}` : line;
  }
  doc.commentBefore = [...draft.header, ...orphans].map((line) => ` ${line}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}
