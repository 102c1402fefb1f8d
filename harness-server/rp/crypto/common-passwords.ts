// Passwords of 12+ characters that top public breach-corpus frequency lists (shorter ones are
// refused by length anyway). A stand-in for a full breached-password service; NIST SP 800-63B
// §3.1.1.2 asks verifiers to compare new passwords against such a list.
const LIST = [
  '123456789012', '1234567890123', '12345678901234', '123456789123', '123456123456',
  '111111111111', '000000000000', '123123123123', '121212121212', '987654321987',
  '1q2w3e4r5t6y', '1qaz2wsx3edc', 'qazwsxedcrfv', 'zaq12wsxcde3', '1q2w3e4r5t6y7u8i',
  'qwertyuiopas', 'qwertyuiopasdf', 'qwertyuiopasdfgh', 'qwerty123456', 'qwertyqwerty',
  'asdfghjkl123', 'asdfasdfasdf', 'abcdefghijkl', 'abcd12345678', 'abc123abc123',
  'password1234', 'password12345', 'password123456', 'passwordpassword', 'password1234!',
  'password123!', 'p@ssw0rd1234', 'passw0rd1234', 'mypassword123', 'changeme1234',
  'letmein12345', 'iloveyou1234', 'iloveyouiloveyou', 'welcome12345', 'welcome123456',
  'administrator', 'administrator1', 'admin1234567', 'adminadmin123', 'superman1234',
  'football1234', 'baseball1234', 'basketball12', 'sunshine1234', 'princess1234',
  'dragon123456', 'monkey123456', 'starwars1234', 'whatever1234', 'trustno11234',
  'correcthorsebatterystaple', 'thequickbrownfox', 'qwertyuiop123', 'michael12345',
  'jessica12345', 'liverpool123', 'chelsea12345', 'pokemon12345', 'minecraft123',
];

export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(LIST);
