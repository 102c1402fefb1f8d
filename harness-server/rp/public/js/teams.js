// Teams: create organisations; answer invitations (accept or decline); leave an organisation;
// as admin, invite people (they join only once they accept), withdraw invitations, remove
// members, see members' 2FA status and require 2FA of everyone.
import { $, api, busy, el, formatTime, loadHeader, setStatus, t, withTestId } from './common.js';

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
    section.append(el('p', { className: 'hint', textContent: t(org.enforce2fa ? 'Your role: {role}. Two-factor authentication is required for members.' : 'Your role: {role}. Two-factor authentication is optional for members.', { role: t(org.role) }) }));
    if (org.members) renderAdmin(section, org);
    else {
      section.append(
        el('p', {}, button(t('Leave this organisation'), 'org-leave', async () => {
          await api.post(`/api/orgs/${org.id}/leave`);
          await refresh();
          await refreshBanner();
          setStatus(t('You left {org}', { org: org.name }));
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
      const text = `${t(invitation.enforce2fa ? '{by} invited you to join {org}, which requires two-factor authentication of its members (until {time}).' : '{by} invited you to join {org} (until {time}).', {
        by: invitation.invitedBy ?? t('An admin'),
        org: invitation.org,
        time: formatTime(invitation.expiresAt),
      })} `;
      const item = withTestId(el('li', {}, el('span', { textContent: text })), 'invitation-item');
      item.dataset.org = invitation.org;
      item.append(
        button(t('Accept'), 'invitation-accept', async () => {
          await api.post(`/api/invitations/${invitation.orgId}/accept`);
          await refresh();
          await refreshBanner();
          setStatus(t('You joined {org}', { org: invitation.org }));
        }),
        ' ',
        button(t('Decline'), 'invitation-decline', async () => {
          await api.post(`/api/invitations/${invitation.orgId}/decline`);
          await refresh();
          setStatus(t('You declined the invitation to {org}', { org: invitation.org }));
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
      setStatus(t(enforceBox.checked ? '{org} now requires two-factor authentication' : '{org} no longer requires two-factor authentication', { org: org.name }));
    });
  });
  section.append(el('p', { className: 'check' }, enforceBox, el('label', { htmlFor: `enforce-${org.id}`, textContent: t('Require two-factor authentication for every member') })));

  const rows = org.members.map((member) => {
    const status = member.twoFactor.enabled
      ? t('On ({factors})', {
          factors: [member.twoFactor.securityKeys > 0 ? t('{count} key(s)', { count: member.twoFactor.securityKeys }) : '', member.twoFactor.otp ? t('authenticator app') : ''].filter(Boolean).join(', '),
        })
      : t('Off');
    const row = withTestId(
      el('tr', {}, el('td', { textContent: member.username }), el('td', { textContent: t(member.role) }), withTestId(el('td', { textContent: status }), 'member-2fa')),
      'org-member',
    );
    row.dataset.username = member.username;
    const cell = el('td');
    if (member.role !== 'admin') {
      cell.append(
        button(t('Remove'), 'org-member-remove', async () => {
          await api.post(`/api/orgs/${org.id}/members/${encodeURIComponent(member.username)}/remove`);
          await refresh();
          setStatus(t('Removed {username} from {org}', { username: member.username, org: org.name }));
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
      el('thead', {}, el('tr', {}, ...['Member', 'Role', 'Two-factor', 'Actions'].map((text) => el('th', { textContent: t(text) })))),
      withTestId(el('tbody', {}, ...rows), 'org-members'),
    ),
  );

  // Pending invitations: only the names typed here, whether or not such an account exists.
  if (org.invited.length > 0) {
    const items = org.invited.map((invitation) => {
      const item = withTestId(el('li', { textContent: `${t('{username} — invited, until {time}', { username: invitation.username, time: formatTime(invitation.expiresAt) })} ` }), 'org-invited-item');
      item.dataset.username = invitation.username;
      item.append(
        button(t('Withdraw'), 'org-invite-cancel', async () => {
          await api.post(`/api/orgs/${org.id}/invitations/${encodeURIComponent(invitation.username)}/cancel`);
          await refresh();
          setStatus(t('Withdrew the invitation to {username}', { username: invitation.username }));
        }),
      );
      return item;
    });
    section.append(el('h3', { textContent: t('Invited') }), withTestId(el('ul', { className: 'plain' }, ...items), 'org-invited'));
  }

  const input = withTestId(el('input', { placeholder: t('username'), id: `invite-${org.id}` }), 'org-invite-username');
  const form = el(
    'form',
    {},
    el('label', { htmlFor: `invite-${org.id}`, textContent: t('Invite someone by username') }),
    input,
    withTestId(el('button', { type: 'submit', textContent: t('Invite') }), 'org-invite-submit'),
    el('p', { className: 'hint', textContent: t('They get an email and join only once they accept; until then you see nothing of their account.') }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(async () => {
      const username = input.value.trim().toLowerCase();
      await api.post(`/api/orgs/${org.id}/invitations`, { username });
      await refresh();
      setStatus(t('Invited {username} to {org}: they join once they accept', { username, org: org.name }));
    });
  });
  section.append(form);
}

/** Someone held by an organisation's 2FA rule may set 2FA up or leave; say so here. */
async function refreshBanner() {
  const account = await api.get('/api/account');
  const banner = $('teams-enforcement');
  banner.hidden = account.mustSetUp2faFor.length === 0;
  banner.textContent = t('{orgs} requires two-factor authentication. Set it up on the Security page, or leave the organisation below.', { orgs: account.mustSetUp2faFor.join(', ') });
  $('org-create-section').hidden = !banner.hidden;
}

$('org-create-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(async () => {
    const name = $('org-name').value.trim();
    await api.post('/api/orgs', { name });
    $('org-name').value = '';
    await refresh();
    setStatus(t('Created {org}', { org: name }));
  });
});

const { account } = await loadHeader();
if (!account) location.assign('/signin');
else {
  await refreshBanner();
  await refresh();
}
