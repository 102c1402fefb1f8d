// The answer to a content script's capabilities question: what Pairkey adds to the browser's own
// answers to the PublicKeyCredential statics, from the phones that are paired and confirmed.
import type { PairkeyCapabilities } from '../../shared/webauthn/ceremony-contract.ts';
import { getConfirmedPhones } from './storage.ts';
import { BASE_EXTENSIONS } from './webauthn-client.ts';

export async function capabilities(): Promise<PairkeyCapabilities> {
  const list = await getConfirmedPhones();
  return {
    active: list.length > 0,
    extensions: list.length === 0 ? [] : [...BASE_EXTENSIONS, ...(list.some((p) => p.extensions?.includes('prf')) ? ['prf'] : [])],
  };
}
