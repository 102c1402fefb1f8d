// The one-time password accounts in IndexedDB, readable only while the PIN guard is unlocked.
import { hotpCode, type OtpAccount, type OtpSpec } from './otp.ts';
import type { PinGuard } from './pin-guard.ts';
import type { PhoneDatabase } from './store/db.ts';

export class OtpVault {
  private hotpQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: PhoneDatabase,
    private readonly pin: PinGuard,
    /** Called when an account was added or deleted. */
    private readonly changed: () => void,
  ) {}

  async accounts(): Promise<OtpAccount[]> {
    this.pin.requireUnlocked();
    return (await this.db.getAll('otp')).sort((a, b) => a.createdAt - b.createdAt);
  }

  async add(spec: OtpSpec): Promise<OtpAccount> {
    this.pin.requireUnlocked();
    const account: OtpAccount = { ...spec, id: crypto.randomUUID(), createdAt: Date.now() };
    await this.db.put('otp', account);
    this.changed();
    return account;
  }

  async delete(id: string): Promise<void> {
    await this.db.delete('otp', id);
    this.changed();
  }

  /**
   * The next HOTP code. The counter moves on in storage before the code is shown, so a code is
   * never shown twice even if the app dies right after. Serialised: two taps give two codes.
   */
  nextHotp(id: string): Promise<{ code: string; counter: number }> {
    const run = this.hotpQueue.then(async () => {
      this.pin.requireUnlocked();
      const account = await this.db.get('otp', id);
      if (!account || account.type !== 'hotp') throw new Error('No such HOTP account');
      const code = await hotpCode(account, account.counter);
      await this.db.put('otp', { ...account, counter: account.counter + 1 });
      return { code, counter: account.counter };
    });
    this.hotpQueue = run.catch(() => undefined);
    return run;
  }
}
