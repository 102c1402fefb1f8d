// Every string a person reads comes from _locales/<lang>/messages.json, in the background as in the
// pages: this is the one lookup both use.
import browser from 'webextension-polyfill';

export function t(key: string, ...substitutions: string[]): string {
  return browser.i18n.getMessage(key, substitutions) || key;
}
