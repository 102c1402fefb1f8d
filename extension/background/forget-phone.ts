// Forgetting a phone touches storage, the phone links and the Chrome proxy; both the person (UI
// command) and the phone itself (its `unpair`) can start it.
import { phones } from './phones.ts';
import { removePhone } from './storage.ts';
import { updateProxy } from './webauthn-proxy.ts';

/** Forget a phone; unless the phone itself asked, make sure it forgets this browser too. */
export async function forgetPhone(phoneId: string, tellPhone = true): Promise<void> {
  const phone = await removePhone(phoneId);
  if (phone && tellPhone) await phones.unpair(phone.id, phone.publicKey);
  else await phones.sync();
  await updateProxy();
}
