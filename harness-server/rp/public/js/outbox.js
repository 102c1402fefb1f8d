// The development outbox: every message, newest first, links clickable.
import { $, api, formatDateTime, loadHeader, t } from './common.js';

void loadHeader();
const { messages } = await api.get('/dev/outbox/messages');
const list = $('outbox');
if (messages.length === 0) list.textContent = t('No email sent yet.');
for (const message of messages) {
  const item = document.createElement('li');
  item.dataset.testid = 'outbox-message';
  const head = document.createElement('p');
  const subject = document.createElement('strong');
  subject.dataset.testid = 'outbox-subject';
  subject.textContent = message.subject;
  const meta = document.createElement('span');
  meta.className = 'hint';
  meta.dataset.testid = 'outbox-to';
  meta.textContent = ` ${t('to {email}, {time}', { email: message.to, time: formatDateTime(message.createdAt) })}`;
  head.append(subject, meta);
  const body = document.createElement('pre');
  body.dataset.testid = 'outbox-body';
  // Text and links as separate nodes: nothing in a message is ever parsed as HTML.
  for (const part of message.body.split(/(https?:\/\/\S+)/)) {
    if (/^https?:\/\//.test(part)) {
      const link = document.createElement('a');
      link.href = part;
      link.textContent = part;
      body.append(link);
    } else {
      body.append(part);
    }
  }
  item.append(head, body);
  list.append(item);
}
