// Teams: create organisations; answer invitations (accept or decline); leave an organisation;
// as admin, invite people (they join only once they accept), withdraw invitations, remove
// members, see members' 2FA status and require 2FA of everyone.
import { $, api, busy, el, formatTime, loadHeader, setStatus, withTestId } from './common.js';

const button = (text, testId, onClick, className = '') => {
  const node = withTestId(el('button', { type: 'button', textContent: text, className }), testId);
  node.addEventListener('click', () => void busy(onClick));
  return node;
};

async function refresh() {
  const { orgs, invitations } = await api.get('/api/orgs');
  renderInvitations(invitations);
  const list = $('org-list');
  list.replaceChildren();
  for (const org of orgs) {
    const section = withTestId(el('section', {}, el('h2', { textContent: org.name })), 'org-item');
    section.dataset.org = org.name;
    section.append(el('p', { className: 'hint', textContent: `Your role: ${org.role}. Two-factor authentication ${org.enforce2fa ? 'is required' : 'is optional'} for members.` }));
    if (org.members) renderAdmin(section, org);
    else {
      section.append(
        el('p', {}, button('Leave this organisation', 'org-leave', async () => {
          await api.post(`/api/orgs/${org.id}/leave`);
          await refresh();
          await refreshBanner();
          setStatus(`You left ${org.name}`);
        }, 'danger')),
      );
    }
    list.append(section);
  }
}

function renderInvitations(invitations) {
  $('invitations').hidden = invitations.length === 0;
  $('invitation-list').replaceChildren(
    ...invitations.map((invitation) => {
      const text =
        `${invitation.invitedBy ?? 'An admin'} invited you to join ${invitation.org}` +
        (invitation.enforce2fa ? ', which requires two-factor authentication of its members' : '') +
        ` (until ${formatTime(invitation.expiresAt)}). `;
      const item = withTestId(el('li', {}, el('span', { textContent: text })), 'invitation-item');
      item.dataset.org = invitation.org;
      item.append(
        button('Accept', 'invitation-accept', async () => {
          await api.post(`/api/invitations/${invitation.orgId}/accept`);
          await refresh();
          await refreshBanner();
          setStatus(`You joined ${invitation.org}`);
        }),
        ' ',
        button('Decline', 'invitation-decline', async () => {
          await api.post(`/api/invitations/${invitation.orgId}/decline`);
          await refresh();
          setStatus(`You declined the invitation to ${invitation.org}`);
        }),
      );
      return item;
    }),
  );
}

function renderAdmin(section, org) {
  const enforceBox = withTestId(el('input', { type: 'checkbox', checked: org.enforce2fa, id: `enforce-${org.id}` }), 'org-enforce');
  enforceBox.addEventListener('change', () => {
    void busy(async () => {
      try {
        await api.post(`/api/orgs/${org.id}/enforce-2fa`, { enforce: enforceBox.checked });
      } catch (error) {
        await refresh();
        throw error;
      }
      await refresh();
      setStatus(enforceBox.checked ? `${org.name} now requires two-factor authentication` : `${org.name} no longer requires two-factor authentication`);
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
      cell.append(
        button('Remove', 'org-member-remove', async () => {
          await api.post(`/api/orgs/${org.id}/members/${encodeURIComponent(member.username)}/remove`);
          await refresh();
          setStatus(`Removed ${member.username} from ${org.name}`);
        }, 'danger'),
      );
    }
    row.append(cell);
    return row;
  });
  section.append(
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, ...['Member', 'Role', 'Two-factor', ''].map((text) => el('th', { textContent: text })))),
      withTestId(el('tbody', {}, ...rows), 'org-members'),
    ),
  );

  // Pending invitations: only the names typed here, whether or not such an account exists.
  if (org.invited.length > 0) {
    const items = org.invited.map((invitation) => {
      const item = withTestId(el('li', { textContent: `${invitation.username} — invited, until ${formatTime(invitation.expiresAt)} ` }), 'org-invited-item');
      item.dataset.username = invitation.username;
      item.append(
        button('Withdraw', 'org-invite-cancel', async () => {
          await api.post(`/api/orgs/${org.id}/invitations/${encodeURIComponent(invitation.username)}/cancel`);
          await refresh();
          setStatus(`Withdrew the invitation to ${invitation.username}`);
        }),
      );
      return item;
    });
    section.append(el('h3', { textContent: 'Invited' }), withTestId(el('ul', { className: 'plain' }, ...items), 'org-invited'));
  }

  const input = withTestId(el('input', { placeholder: 'username', id: `invite-${org.id}` }), 'org-invite-username');
  const form = el(
    'form',
    {},
    el('label', { htmlFor: `invite-${org.id}`, textContent: 'Invite someone by username' }),
    input,
    withTestId(el('button', { type: 'submit', textContent: 'Invite' }), 'org-invite-submit'),
    el('p', { className: 'hint', textContent: 'They get an email and join only once they accept; until then you see nothing of their account.' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(async () => {
      const username = input.value.trim().toLowerCase();
      await api.post(`/api/orgs/${org.id}/invitations`, { username });
      await refresh();
      setStatus(`Invited ${username} to ${org.name}: they join once they accept`);
    });
  });
  section.append(form);
}

/** Someone held by an organisation's 2FA rule may set 2FA up or leave; say so here. */
async function refreshBanner() {
  const account = await api.get('/api/account');
  const banner = $('teams-enforcement');
  banner.hidden = account.mustSetUp2faFor.length === 0;
  banner.textContent =
    `${account.mustSetUp2faFor.join(', ')} requires two-factor authentication. ` +
    'Set it up on the Security page, or leave the organisation below.';
  $('org-create-section').hidden = !banner.hidden;
}

$('org-create-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const name = $('org-name').value.trim();
    await api.post('/api/orgs', { name });
    $('org-name').value = '';
    await refresh();
    setStatus(`Created ${name}`);
  });
});

const { account } = await loadHeader();
if (!account) location.assign('/signin');
else {
  await refreshBanner();
  await refresh();
}
