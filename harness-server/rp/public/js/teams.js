// Teams: create organisations; as admin, add and remove members, see their 2FA status and
// require 2FA of everyone.
import { $, api, busy, el, enforce, loadHeader, setStatus, withTestId } from './common.js';

async function refresh() {
  const { orgs } = await api.get('/api/orgs');
  const list = $('org-list');
  list.replaceChildren();
  for (const org of orgs) {
    const section = withTestId(el('section', {}, el('h2', { textContent: org.name })), 'org-item');
    section.dataset.org = org.name;
    section.append(el('p', { className: 'hint', textContent: `Your role: ${org.role}. Two-factor authentication ${org.enforce2fa ? 'is required' : 'is optional'} for members.` }));
    if (org.members) renderAdmin(section, org);
    list.append(section);
  }
}

function renderAdmin(section, org) {
  const enforceBox = withTestId(el('input', { type: 'checkbox', checked: org.enforce2fa, id: `enforce-${org.id}` }), 'org-enforce');
  enforceBox.addEventListener('change', () => {
    void busy(async () => {
      try {
        await api.post(`/api/orgs/${org.id}/enforce-2fa`, { enforce: enforceBox.checked });
        setStatus(enforceBox.checked ? `${org.name} now requires two-factor authentication` : `${org.name} no longer requires two-factor authentication`);
      } finally {
        await refresh();
      }
    });
  });
  section.append(el('p', {}, enforceBox, el('label', { htmlFor: `enforce-${org.id}`, textContent: ' Require two-factor authentication for every member' })));

  const rows = org.members.map((member) => {
    const status = member.twoFactor.enabled
      ? `On (${[member.twoFactor.securityKeys > 0 ? `${member.twoFactor.securityKeys} key(s)` : '', member.twoFactor.otp ? 'authenticator app' : ''].filter(Boolean).join(', ')})`
      : 'Off';
    const row = withTestId(
      el('tr', {}, el('td', { textContent: member.username }), el('td', { textContent: member.role }), withTestId(el('td', { textContent: status }), 'member-2fa')),
      'org-member',
    );
    row.dataset.username = member.username;
    const cell = el('td');
    if (member.role !== 'admin') {
      const remove = withTestId(el('button', { type: 'button', className: 'danger', textContent: 'Remove' }), 'org-member-remove');
      remove.addEventListener('click', () => {
        void busy(async () => {
          await api.post(`/api/orgs/${org.id}/members/${encodeURIComponent(member.username)}/remove`);
          setStatus(`Removed ${member.username} from ${org.name}`);
          await refresh();
        });
      });
      cell.append(remove);
    }
    row.append(cell);
    return row;
  });
  const table = el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...['Member', 'Role', 'Two-factor', ''].map((text) => el('th', { textContent: text })))),
    withTestId(el('tbody', {}, ...rows), 'org-members'),
  );
  section.append(table);

  const input = withTestId(el('input', { placeholder: 'username' }), 'org-add-username');
  const form = el('form', {}, el('label', { textContent: 'Add a member by username' }), input, withTestId(el('button', { type: 'submit', textContent: 'Add' }), 'org-add-submit'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(async () => {
      await api.post(`/api/orgs/${org.id}/members`, { username: input.value.trim() });
      setStatus(`Added ${input.value.trim()} to ${org.name}`);
      await refresh();
    });
  });
  section.append(form);
}

$('org-create-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const name = $('org-name').value.trim();
    await api.post('/api/orgs', { name });
    $('org-name').value = '';
    setStatus(`Created ${name}`);
    await refresh();
  });
});

const { account } = await loadHeader();
if (!account) location.assign('/signin');
else {
  enforce(account);
  await refresh();
}
