// Timing the in-process virtual phone from the outside: its public `decide` and `record` steps
// and its authenticator's two operations are wrapped on the instance. The person's approval is
// made instant (the phone's own 0 ms "thinking time" is a timer that alone costs about a
// millisecond), so the ceremony measures Pairkey, not a stand-in for a human.
import { now } from '../lib/clock.ts';
import type { VirtualPhone } from '../../phone/virtual/phone.ts';

export type PhoneEventName = 'request' | 'sign-start' | 'sign-end' | 'reply';
export type PhoneEvent = [name: PhoneEventName, t: number];

export function instrumentPhone(phone: VirtualPhone): PhoneEvent[] {
  const events: PhoneEvent[] = [];
  phone.decide = async () => {
    events.push(['request', now()]);
    return phone.policy.decision;
  };
  const record = phone.record.bind(phone);
  phone.record = (outcome) => {
    events.push(['reply', now()]);
    record(outcome);
  };
  const authenticator = phone.authenticator;
  const makeCredential = authenticator.makeCredential.bind(authenticator);
  const getAssertion = authenticator.getAssertion.bind(authenticator);
  authenticator.makeCredential = async (...args) => {
    events.push(['sign-start', now()]);
    try {
      return await makeCredential(...args);
    } finally {
      events.push(['sign-end', now()]);
    }
  };
  authenticator.getAssertion = async (...args) => {
    events.push(['sign-start', now()]);
    try {
      return await getAssertion(...args);
    } finally {
      events.push(['sign-end', now()]);
    }
  };
  return events;
}
