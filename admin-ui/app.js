// The admin panel: first-run registration, sign-in, the content manager (content.js), and the
// settings: API tokens (with the static ones), admin tokens and the audit log. Views are built
// with DOM calls (never innerHTML: see dom.js), so no text from the server is read as markup.

import { ApiError, call, configure, session } from './api.js';
import { builderView } from './builder.js';
import { contentView } from './content.js';
import {
  actionBox, adminGrid, selectAll, ticked,
} from './permissions.js';
import { roleView, rolesView, usersView } from './users.js';
import {
  confirmDialog, field, guard, h, hasUnsaved, newView, say, show, submitting, when,
} from './dom.js';

const PASSWORD_RULE = 'At least 8 characters, with a lower-case letter, an upper-case letter and a digit.';

function registerView() {
  show(h('section', { class: 'card narrow' },
    h('h1', {}, 'Welcome to Vellum'),
    h('p', {}, 'Create the first administrator: this account can do everything.'),
    submitting(h('form', { novalidate: true },
      field('First name', 'firstname', { required: true, autocomplete: 'given-name' }),
      field('Last name', 'lastname', { autocomplete: 'family-name' }),
      field('Email', 'email', { type: 'email', required: true, autocomplete: 'email' }),
      field('Password', 'password', { type: 'password', required: true, autocomplete: 'new-password' }, PASSWORD_RULE),
      h('button', { type: 'submit' }, 'Create the administrator')),
    async (form) => {
      const data = await call('POST', '/admin/register-admin', form);
      session.token = data.token;
      await start();
    })));
}

function loginView() {
  show(h('section', { class: 'card narrow' },
    h('h1', {}, 'Sign in'),
    submitting(h('form', {},
      field('Email', 'email', { type: 'email', required: true, autocomplete: 'username' }),
      field('Password', 'password', { type: 'password', required: true, autocomplete: 'current-password' }),
      h('button', { type: 'submit' }, 'Sign in')),
    async (form) => {
      const data = await call('POST', '/admin/login', form);
      session.token = data.token;
      await start();
    })));
}

const DAY = 86_400_000;
const DURATIONS = [['7', 7 * DAY], ['30', 30 * DAY], ['90', 90 * DAY], ['unlimited', null], ['custom', 'custom']];

/** The duration select (7, 30, 90 days, unlimited, a custom date) and its date field. */
function durationFields() {
  const custom = h('div', { class: 'field', id: 'custom-date', hidden: true },
    h('label', { for: 'f-expiresAt' }, 'Expires on'),
    h('input', { id: 'f-expiresAt', name: 'expiresAt', type: 'date' }),
    h('small', { class: 'field-error', 'data-error-for': 'expiresAt' }));
  const select = h('div', { class: 'field' },
    h('label', { for: 'f-duration' }, 'Token duration'),
    h('select', {
      id: 'f-duration',
      name: 'duration',
      onchange: (event) => { custom.hidden = event.target.value !== 'custom'; },
    }, DURATIONS.map(([label]) => h('option', { value: label },
      label === 'unlimited' ? 'Unlimited' : label === 'custom' ? 'Custom date' : `${label} days`))),
    h('small', { class: 'field-error', 'data-error-for': 'lifespan' }));
  return [select, custom];
}

/** Adds `lifespan` or `expiresAt` to a token's body from the duration fields. */
function applyDuration(body, entered) {
  const duration = DURATIONS.find(([label]) => label === entered.duration)[1];
  if (duration === 'custom') {
    if (!entered.expiresAt) throw new Error('Choose the day the token expires.');
    body.expiresAt = new Date(`${entered.expiresAt}T23:59:59`).toISOString();
  } else {
    body.lifespan = duration;
  }
  return body;
}

/** The banner with a token shown once, and a button to copy it. */
function tokenBanner(accessKey, warning) {
  const code = h('code', { id: 'new-token', class: 'secret' }, accessKey);
  const copy = h('button', {
    type: 'button',
    class: 'secondary',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(accessKey);
        copy.textContent = 'Copied';
      } catch {
        const range = document.createRange();
        range.selectNodeContents(code);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        copy.textContent = 'Selected: press Ctrl+C';
      }
    },
  }, 'Copy');
  const admin = accessKey.startsWith('vat_');
  const example = `curl -H "Authorization: Bearer ${accessKey.slice(0, 8)}…" ${location.origin}`
    + (admin ? '/admin/users/me' : '/api/<pluralName, e.g. articles>');
  return h('div', { class: 'banner', role: 'status' },
    h('p', {}, h('strong', {}, warning)),
    h('div', { class: 'secret-row' }, code, copy),
    h('p', { class: 'hint' }, admin
      ? 'Send it in the Authorization header to the Admin API:'
      : 'Send it in the Authorization header to the Content API:'),
    h('code', { class: 'usage' }, example));
}

const ONCE = 'Make sure to copy this token now: it will not be shown again.';

async function tokensView(banner, onlyStatic = false) {
  const all = await call('GET', '/admin/api-tokens');
  const tokens = onlyStatic ? all.filter((token) => token.source === 'config') : all;
  const now = Date.now();
  const rows = tokens.map((token) => {
    const expired = token.expiresAt && Date.parse(token.expiresAt) <= now;
    const fromConfig = token.source === 'config';
    const limits = [
      token.allowedIps ? `from ${token.allowedIps.join(', ')}` : null,
      token.rateLimit ? `${token.rateLimit} a minute` : null,
    ].filter(Boolean).join('; ');
    // A regeneration's grace period: the previous secret still works until then.
    const grace = token.previousSecretExpiresAt && Date.parse(token.previousSecretExpiresAt) > now
      ? token.previousSecretExpiresAt : null;
    return h('tr', { class: expired ? 'expired' : null, 'data-token': token.name },
      h('th', { scope: 'row' }, token.name, expired ? h('span', { class: 'tag' }, 'expired') : null,
        fromConfig ? h('span', { class: 'tag neutral' }, 'configuration') : null),
      h('td', { 'data-label': 'Description' }, token.description || ''),
      // A configured token is custom: its restrictions are what it may do.
      h('td', { 'data-label': 'Type' }, fromConfig ? `restricted to ${token.restrictions.join(', ')}` : token.type),
      h('td', { 'data-label': 'Limits' }, limits || '—'),
      h('td', { 'data-label': 'Last used' }, when(token.lastUsedAt)),
      h('td', { 'data-label': 'Expires' }, token.expiresAt ? when(token.expiresAt) : 'Unlimited',
        grace ? h('small', { class: 'hint grace' }, h('br'), `previous secret until ${when(grace)}`) : null),
      h('td', { class: 'row-actions' }, fromConfig ? '' : [
        h('a', { class: 'button secondary', 'data-action': 'edit', href: `#/tokens/${token.id}` }, 'Edit'),
        grace ? h('button', { type: 'button', class: 'secondary', 'data-action': 'end-grace', onclick: () => endGrace(token) }, 'End grace') : null,
        // An expired (or revoked) token keeps its expiry: a new secret would be refused too.
        expired ? null : h('button', { type: 'button', class: 'secondary', 'data-action': 'regenerate', onclick: () => regenerate(token) }, 'Regenerate'),
        h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => remove(token) }, 'Delete'),
      ]));
  });
  show(h('section', { class: 'card' },
    h('div', { class: 'heading' },
      h('h1', {}, onlyStatic ? 'Static tokens' : 'API Tokens'),
      onlyStatic ? null : h('a', { class: 'button', href: '#/tokens/new' }, 'Create new API Token')),
    onlyStatic
      ? h('p', { class: 'hint' }, 'Tokens declared in the file named by ACCESS_TOKENS_FILE: they are '
        + 'changed there, not here, and come back as written at each start.')
      : null,
    banner || null,
    tokens.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
        h('thead', {}, h('tr', {}, ['Name', 'Description', 'Type', 'Limits', 'Last used', 'Expires', 'Actions']
          .map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, rows)))
      : h('p', {}, onlyStatic ? 'No token is declared in the configuration.' : 'No API token yet.')));
}

/** Grace periods offered when regenerating a content token, in seconds ('' for none). */
const GRACE = [['', 'No: refuse it at once'], ['3600', 'For 1 hour'], ['86400', 'For 1 day'],
  ['604800', 'For 7 days'], ['2592000', 'For 30 days']];

async function regenerate(token, base = '/admin/api-tokens', back = tokensView) {
  // Admin tokens have no grace period: their old secret stops at once.
  const content = base === '/admin/api-tokens';
  const grace = content ? h('div', { class: 'field' },
    h('label', { for: 'f-grace' }, 'Keep the old token working?'),
    h('select', { id: 'f-grace', name: 'gracePeriod' },
      GRACE.map(([seconds, label]) => h('option', { value: seconds }, label)))) : null;
  const answer = await confirmDialog(content
    ? `Regenerate "${token.name}"? Clients using the current token are refused once its grace period, if you give one, is over.`
    : `Regenerate "${token.name}"? Clients using the current token will be refused at once.`, 'Regenerate', grace);
  if (!answer) return;
  try {
    const body = answer.gracePeriod ? { gracePeriod: Number(answer.gracePeriod) } : {};
    const data = await call('POST', `${base}/${token.id}/regenerate`, body);
    await back(tokenBanner(data.accessKey, ONCE));
  } catch (error) {
    say(error.message);
  }
}

async function remove(token, base = '/admin/api-tokens', back = tokensView) {
  if (!(await confirmDialog(`Delete "${token.name}"? Clients using it will be refused.`, 'Delete'))) return;
  try {
    await call('DELETE', `${base}/${token.id}`);
    say(`Deleted "${token.name}".`, 'info');
    await back();
  } catch (error) {
    say(error.message);
  }
}

/** The token type select and, for custom, the grid of content-API actions (`token` fills both). */
async function typeAndPermissions(token) {
  const catalogue = await call('GET', '/admin/content-api/permissions');
  const granted = new Set(token ? token.permissions : []);
  const groups = Object.entries(catalogue).flatMap(([api, { controllers }]) =>
    Object.entries(controllers).map(([name, actions]) => ({ name, actions: actions.map((action) => [`${api}.${name}.${action}`, action]) })));
  const verbs = [...new Set(groups.flatMap((group) => group.actions.map(([, action]) => action)))];
  const grid = h('fieldset', { class: 'permissions', id: 'permissions', hidden: !token || token.type !== 'custom' },
    h('legend', {}, 'Permissions'),
    groups.length > 1 ? h('div', { class: 'permission-group every' },
      h('h2', {}, 'Every content type'),
      verbs.map((verb) => selectAll(`all-${verb}`, verb, (box) => box.value.endsWith(`.${verb}`)))) : null,
    groups.map((group) => h('div', { class: 'permission-group' },
      h('h2', {}, group.name),
      selectAll(`all-of-${group.name}`, 'all', (box) => group.actions.some(([value]) => value === box.value)),
      group.actions.map(([value, action]) => actionBox(value, action, granted)))),
    h('small', { class: 'field-error', 'data-error-for': 'permissions' }));
  return [h('div', { class: 'field' },
    h('label', { for: 'f-type' }, 'Token type'),
    h('select', {
      id: 'f-type',
      name: 'type',
      onchange: (event) => { grid.hidden = event.target.value !== 'custom'; },
    }, ['read-only', 'full-access', 'custom'].map((type) =>
      h('option', { value: type, selected: token && token.type === type }, type))),
    h('small', { class: 'field-error', 'data-error-for': 'type' })), grid];
}

async function newTokenView() {
  const form = guard(h('form', {},
    field('Name', 'name', { required: true, maxlength: 255 }),
    field('Description', 'description', {}),
    durationFields(),
    await typeAndPermissions(),
    limitFields(null),
    h('div', { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/tokens' }, 'Cancel'),
      h('button', { type: 'submit' }, 'Save'))));
  submitting(form, async (entered) => {
    const body = applyDuration(
      { name: entered.name, description: entered.description, type: entered.type }, entered);
    if (entered.type === 'custom') body.permissions = ticked(form);
    applyLimits(body, entered);
    const created = await call('POST', '/admin/api-tokens', body);
    history.replaceState(null, '', '#/tokens');
    await tokensView(tokenBanner(created.accessKey, ONCE));
  });
  show(h('section', { class: 'card' }, h('h1', {}, 'Create an API Token'), form));
}

/** Edits a token's name, description, type and permissions; "Show" reveals a viewable token. */
async function editTokenView(id) {
  // Read without its secret: only "Show token" reveals it (and logs that it did).
  let token;
  try {
    token = await call('GET', `/admin/api-tokens/${encodeURIComponent(id)}?reveal=false`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new Error('This token does not exist any more.');
    throw error;
  }
  const secret = h('div', { id: 'shown-token' });
  const expired = token.expiresAt && Date.parse(token.expiresAt) <= Date.now();
  const form = guard(h('form', {},
    field('Name', 'name', { required: true, maxlength: 255, value: token.name }),
    field('Description', 'description', { value: token.description || '' }),
    await typeAndPermissions(token),
    expired ? null : expiryFields(token),
    limitFields(token),
    h('div', { class: 'actions' },
      h('button', {
        type: 'button',
        class: 'secondary',
        id: 'show-token',
        onclick: async () => {
          try {
            const shown = await call('GET', `/admin/api-tokens/${token.id}`);
            secret.replaceChildren(shown.accessKey
              ? tokenBanner(shown.accessKey, 'Keep this token secret.')
              : h('p', { class: 'hint' }, 'This token cannot be shown again: only its hash is stored '
                + '(the server needs ENCRYPTION_KEY to keep tokens viewable). Regenerate it for a new one.'));
          } catch (error) {
            say(error.message);
          }
        },
      }, 'Show token'),
      expired ? null : h('button', {
        type: 'button', class: 'danger', id: 'revoke', onclick: () => revoke(token),
      }, 'Revoke'),
      h('a', { class: 'button secondary', href: '#/tokens' }, 'Cancel'),
      h('button', { type: 'submit' }, 'Save'))));
  submitting(form, async (entered) => {
    const body = { name: entered.name, description: entered.description, type: entered.type };
    body.permissions = entered.type === 'custom' ? ticked(form) : [];
    applyExpiry(body, entered);
    applyLimits(body, entered);
    await call('PUT', `/admin/api-tokens/${token.id}`, body);
    history.replaceState(null, '', '#/tokens');
    say(`Saved "${body.name}".`, 'info');
    await tokensView();
  });
  show(h('section', { class: 'card' },
    h('h1', {}, `Edit "${token.name}"`),
    h('p', { class: 'hint' }, expired
      ? `Expired on ${when(token.expiresAt)}: its expiry cannot change and it cannot be used again; create another.`
      : `Expires: ${token.expiresAt ? when(token.expiresAt) : 'never'}.`),
    secret, form));
}

/** The expiry of a token being edited: kept, never, or a new day. */
function expiryFields(token) {
  const day = h('div', { class: 'field', id: 'expiry-date', hidden: true },
    h('label', { for: 'f-expiresOn' }, 'New expiry day'),
    h('input', { id: 'f-expiresOn', name: 'expiresOn', type: 'date' }),
    h('small', { class: 'field-error', 'data-error-for': 'expiresAt' }));
  return [h('div', { class: 'field' },
    h('label', { for: 'f-expiry' }, 'Expiry'),
    h('select', {
      id: 'f-expiry',
      name: 'expiry',
      onchange: (event) => { day.hidden = event.target.value !== 'date'; },
    },
    h('option', { value: 'keep' }, token.expiresAt ? `Keep: ${when(token.expiresAt)}` : 'Keep: never'),
    token.expiresAt ? h('option', { value: 'never' }, 'Never expires') : null,
    h('option', { value: 'date' }, 'On a day'))), day];
}

function applyExpiry(body, entered) {
  if (entered.expiry === 'never') body.expiresAt = null;
  if (entered.expiry === 'date') {
    if (!entered.expiresOn) throw new Error('Choose the day the token expires.');
    body.expiresAt = new Date(`${entered.expiresOn}T23:59:59`).toISOString();
  }
}

/** Where a token may be used from, and how often (Vellum's limits). */
function limitFields(token) {
  return h('fieldset', { class: 'permissions' },
    h('legend', {}, 'Limits'),
    h('div', { class: 'field' },
      h('label', { for: 'f-allowedIps' }, 'Allowed addresses'),
      h('textarea', {
        id: 'f-allowedIps', name: 'allowedIps', rows: 2, 'aria-describedby': 'f-allowedIps-hint f-allowedIps-error',
      }, (token && token.allowedIps ? token.allowedIps : []).join('\n')),
      h('small', { id: 'f-allowedIps-hint', class: 'hint' }, 'One address or range a line (203.0.113.0/24); empty: anywhere.'),
      h('small', { id: 'f-allowedIps-error', class: 'field-error', 'data-error-for': 'allowedIps' })),
    field('Requests a minute', 'rateLimit', {
      type: 'number', min: '1', max: '1000000', inputmode: 'numeric', value: token && token.rateLimit ? token.rateLimit : '',
    }, 'Empty: no limit.'));
}

function applyLimits(body, entered) {
  const ips = (entered.allowedIps || '').split(/[\s,]+/).filter(Boolean);
  body.allowedIps = ips.length ? ips : null;
  body.rateLimit = entered.rateLimit ? Number(entered.rateLimit) : null;
}

/** Ends a grace period now: the previous secret stops working. */
async function endGrace(token) {
  if (!(await confirmDialog(`Refuse the previous secret of "${token.name}" now? Clients still using it will be refused.`, 'End grace'))) return;
  try {
    await call('DELETE', `/admin/api-tokens/${token.id}/secrets/previous`);
    await tokensView();
    say(`The previous secret of "${token.name}" is refused now.`, 'info');
  } catch (error) {
    say(error.message);
  }
}

/** Revokes a token: it expires now and stays listed, for the audit trail. */
async function revoke(token) {
  if (!(await confirmDialog(`Revoke "${token.name}"? It stops working at once and cannot be used again.`, 'Revoke'))) return;
  try {
    await call('POST', `/admin/api-tokens/${token.id}/revoke`, {});
    history.replaceState(null, '', '#/tokens');
    say(`Revoked "${token.name}".`, 'info');
    await tokensView();
  } catch (error) {
    say(error.message);
  }
}

async function adminTokensView(banner) {
  const tokens = await call('GET', '/admin/admin-tokens');
  const now = Date.now();
  const base = '/admin/admin-tokens';
  const rows = tokens.map((token) => {
    const expired = token.expiresAt && Date.parse(token.expiresAt) <= now;
    return h('tr', { class: expired ? 'expired' : null, 'data-token': token.name },
      h('th', { scope: 'row' }, token.name, expired ? h('span', { class: 'tag' }, 'expired') : null),
      h('td', { 'data-label': 'Description' }, token.description || ''),
      h('td', { 'data-label': 'Permissions' }, token.adminPermissions.map((p) => p.action).join(', ') || 'none'),
      h('td', { 'data-label': 'Last used' }, when(token.lastUsedAt)),
      h('td', { 'data-label': 'Expires' }, token.expiresAt ? when(token.expiresAt) : 'Unlimited'),
      h('td', { class: 'row-actions' },
        h('a', { class: 'button secondary', 'data-action': 'edit', href: `#/admin-tokens/${token.id}` }, 'Edit'),
        expired ? null : h('button', { type: 'button', class: 'secondary', 'data-action': 'regenerate', onclick: () => regenerate(token, base, adminTokensView) }, 'Regenerate'),
        h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => remove(token, base, adminTokensView) }, 'Delete')));
  });
  show(h('section', { class: 'card' },
    h('div', { class: 'heading' },
      h('h1', {}, 'Admin Tokens'),
      h('a', { class: 'button', href: '#/admin-tokens/new' }, 'Create new Admin Token')),
    h('p', { class: 'hint' }, 'An admin token acts on the Admin API as the admin who made it, limited to the permissions you tick (never more than your own).'),
    banner || null,
    tokens.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
        h('thead', {}, h('tr', {}, ['Name', 'Description', 'Permissions', 'Last used', 'Expires', 'Actions']
          .map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, rows)))
      : h('p', {}, 'No admin token yet.')));
}

/** Edits an admin token: name, description, permissions (within its owner's), expiry, limits. */
async function editAdminTokenView(id) {
  const base = `/admin/admin-tokens/${encodeURIComponent(id)}`;
  const token = await call('GET', `${base}?reveal=false`);
  const owners = await call('GET', `${base}/owner-permissions`);
  const expired = token.expiresAt && Date.parse(token.expiresAt) <= Date.now();
  const form = guard(h('form', {},
    field('Name', 'name', { required: true, maxlength: 255, value: token.name }),
    field('Description', 'description', { value: token.description || '' }),
    adminGrid(owners.map((p) => p.action), new Set(token.adminPermissions.map((p) => p.action))),
    expired ? null : expiryFields(token),
    limitFields(token),
    h('div', { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/admin-tokens' }, 'Cancel'),
      h('button', { type: 'submit' }, 'Save'))));
  submitting(form, async (entered) => {
    const body = { name: entered.name, description: entered.description, adminPermissions: ticked(form) };
    applyExpiry(body, entered);
    applyLimits(body, entered);
    await call('PUT', base, body);
    history.replaceState(null, '', '#/admin-tokens');
    say(`Saved "${body.name}".`, 'info');
    await adminTokensView();
  });
  show(h('section', { class: 'card' },
    h('h1', {}, `Edit "${token.name}"`),
    h('p', { class: 'hint' }, 'Its permissions can be at most what its owner holds (and what you hold).'),
    form));
}

async function newAdminTokenView() {
  const mine = await call('GET', '/admin/users/me/permissions');
  const form = guard(h('form', {},
    field('Name', 'name', { required: true, maxlength: 255 }),
    field('Description', 'description', {}),
    durationFields(),
    adminGrid(mine.map((p) => p.action)),
    h('div', { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/admin-tokens' }, 'Cancel'),
      h('button', { type: 'submit' }, 'Save'))));
  submitting(form, async (entered) => {
    const body = applyDuration(
      { name: entered.name, description: entered.description, adminPermissions: ticked(form) }, entered);
    const created = await call('POST', '/admin/admin-tokens', body);
    history.replaceState(null, '', '#/admin-tokens');
    await adminTokensView(tokenBanner(created.accessKey, ONCE));
  });
  show(h('section', { class: 'card' }, h('h1', {}, 'Create an Admin Token'), form));
}

const EVENT_TYPES = ['token.created', 'token.updated', 'token.regenerated', 'token.revoked', 'token.deleted',
  'token.viewed', 'token.denied', 'admin.login.success', 'admin.login.failure', 'admin.logout'];

async function auditView(filter = {}, page = 1) {
  const query = new URLSearchParams({ page: String(page), pageSize: '25' });
  for (const [key, value] of Object.entries(filter)) if (value) query.set(key, value);
  const { results, pagination } = await call('GET', `/admin/audit-logs?${query}`);
  const filters = h('form', { class: 'filters' },
    h('div', { class: 'field' },
      h('label', { for: 'f-type' }, 'Event'),
      h('select', { id: 'f-type', name: 'type' },
        h('option', { value: '' }, 'all'),
        EVENT_TYPES.map((type) => h('option', { value: type, selected: filter.type === type }, type)))),
    h('div', { class: 'field' },
      h('label', { for: 'f-actor' }, 'Actor (admin:1, token:7)'),
      h('input', { id: 'f-actor', name: 'actor', value: filter.actor || '' })),
    h('button', { type: 'submit' }, 'Filter'));
  submitting(filters, async (entered) => auditView(entered, 1));
  const rows = results.map((event) => h('tr', { 'data-event': event.type },
    h('td', {}, when(event.createdAt)),
    h('td', {}, event.type),
    h('td', {}, event.actor || '—'),
    h('td', {}, event.tokenId ?? '—'),
    h('td', {}, event.status ?? ''),
    h('td', {}, event.ip || ''),
    h('td', {}, event.clientId || ''),
    h('td', {}, (event.details && (event.details.reason || event.details.name || (event.details.fields || []).join(', '))) || '')));
  const pages = Math.max(pagination.pageCount, 1);
  show(h('section', { class: 'card' },
    h('h1', {}, 'Audit log'),
    filters,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Time', 'Event', 'Actor', 'Token', 'Status', 'Address', 'Client', 'Detail']
        .map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, rows))),
    h('div', { class: 'actions' },
      h('span', { id: 'page-info' }, `Page ${pagination.page} of ${pages} (${pagination.total} events)`),
      h('button', { type: 'button', class: 'secondary', disabled: page <= 1, onclick: () => auditView(filter, page - 1) }, 'Previous'),
      h('button', { type: 'button', class: 'secondary', disabled: page >= pages, onclick: () => auditView(filter, page + 1) }, 'Next'))));
}

/** What the signed-in admin may do (their actions), for the navigation and the home page. */
let held = new Set();

/** Shows each navigation link only to whom may use it, and the Settings group when one is. */
function applyNav() {
  const nav = document.getElementById('nav');
  for (const link of nav.querySelectorAll('a[data-needs]')) {
    link.parentElement.hidden = !held.has(link.dataset.needs);
  }
  for (const list of nav.querySelectorAll('ul[aria-labelledby]')) {
    const empty = ![...list.children].some((item) => !item.hidden);
    list.hidden = empty;
    document.getElementById(list.getAttribute('aria-labelledby')).hidden = empty;
  }
}

/** Marks the navigation link of the page shown (`aria-current`). */
function markCurrent(hash) {
  const links = [...document.querySelectorAll('#nav a')];
  const page = hash || '#/';
  const current = links
    .filter((link) => {
      const target = link.getAttribute('href');
      return page === target || (target !== '#/' && page.startsWith(`${target}/`));
    })
    .sort((a, b) => b.getAttribute('href').length - a.getAttribute('href').length)[0];
  for (const link of links) {
    if (link === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** The first page: what to do next, by what the admin may do, and how to call the API. */
async function homeView() {
  const me = await call('GET', '/admin/users/me');
  const types = held.has('plugin::content-manager.explorer.read')
    ? await call('GET', '/admin/content-manager/content-types')
    : [];
  const collection = types.find((type) => type.kind === 'collectionType');
  const api = `${location.origin}/api`;
  const steps = [];
  if (held.has('admin::api-tokens.create')) {
    steps.push(h('li', {}, h('a', { href: '#/tokens/new' }, 'Create an API token'),
      ': front ends and scripts send it to the Content API.'));
  }
  if (held.has('admin::content-types.create')) {
    steps.push(h('li', {}, h('a', { href: '#/builder/new' }, types.length ? 'Build another content type' : 'Build your first content type'),
      ': its attributes become a table and an API (or put a Strapi schema.json in CONTENT_TYPES_DIR).'));
  }
  if (held.has('plugin::content-manager.explorer.read')) {
    steps.push(h('li', {}, types.length
      ? [h('a', { href: '#/content' }, 'Write content'), `: ${types.map((type) => type.displayName).join(', ')}.`]
      : 'Write content once a content type exists.'));
  }
  if (held.has('admin::audit-logs.read')) {
    steps.push(h('li', {}, h('a', { href: '#/audit' }, 'Read the audit log'), ': every token change and refusal.'));
  }
  show(h('section', { class: 'card' },
    h('h1', {}, `Hello ${me.firstname || me.email}`),
    steps.length
      ? [h('h2', {}, 'What to do next'), h('ol', { class: 'steps' }, steps)]
      : h('p', {}, 'Your role does not let you do anything in the panel yet: ask a super admin for a role.'),
    h('h2', {}, 'The Content API'),
    h('p', {}, 'Its address: ', h('code', { id: 'api-address' }, api)),
    h('code', { class: 'usage', id: 'api-example' },
      `curl -H "Authorization: Bearer <API token>" ${api}/${collection ? collection.pluralName : '<pluralName>'}`)));
}

/** A page the admin's role does not open: said as such, with the way back. */
function forbiddenView() {
  show(h('section', { class: 'card' },
    h('h1', {}, 'No access'),
    h('p', {}, 'Your role does not include this page. Ask a super admin if you need it.'),
    h('p', {}, h('a', { href: '#/' }, 'Back to the home page'))));
}

/** Shows the page the address names; leaving a form with unsaved edits asks first (a refusal
 * puts the address back and keeps the form as it is). */
async function route(event) {
  // Signed out, an invitation link opened in this tab still shows its page.
  if (!session.token) {
    if (/^#\/register\?/.test(location.hash)) await start();
    return;
  }
  if (event && event.oldURL && hasUnsaved()) {
    const leave = await confirmDialog('Leave this page? Your changes are not saved.', 'Leave');
    if (!leave) {
      history.replaceState(null, '', new URL(event.oldURL).hash || '#/');
      return;
    }
  }
  newView();
  const hash = location.hash;
  markCurrent(hash);
  try {
    const views = {
      '#/tokens': () => tokensView(),
      '#/tokens/new': newTokenView,
      '#/static-tokens': () => tokensView(null, true),
      '#/admin-tokens': adminTokensView,
      '#/admin-tokens/new': newAdminTokenView,
      '#/audit': auditView,
      '#/users': usersView,
      '#/roles': rolesView,
    };
    const tokenId = /^#\/tokens\/(\d+)$/.exec(hash);
    const adminTokenId = /^#\/admin-tokens\/(\d+)$/.exec(hash);
    if (views[hash]) await views[hash]();
    else if (tokenId) await editTokenView(tokenId[1]);
    else if (adminTokenId) await editAdminTokenView(adminTokenId[1]);
    else if (/^#\/roles\/\d+$/.test(hash)) await roleView(hash.slice('#/roles/'.length), held);
    else if (hash === '#/content' || hash.startsWith('#/content/')) await contentView(hash.slice('#/content/'.length));
    else if (hash === '#/builder' || hash.startsWith('#/builder/')) await builderView(hash.slice('#/builder/'.length));
    else await homeView();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) forbiddenView();
    else if (!(error instanceof ApiError && error.status === 401)) say(error.message);
  }
}

/** An invited admin's registration: their names and password, then signed in. */
async function invitedView(token) {
  let invited;
  try {
    invited = await call('GET', `/admin/registration-info?registrationToken=${encodeURIComponent(token)}`);
  } catch (error) {
    show(h('section', { class: 'card narrow' }, h('h1', {}, 'Invitation'),
      h('p', {}, `${error.message}: the link may have been used already. Ask for a new invitation, or sign in.`),
      h('p', {}, h('a', { href: '#/' }, 'Sign in'))));
    return;
  }
  show(h('section', { class: 'card narrow' },
    h('h1', {}, 'Welcome to Vellum'),
    h('p', {}, `You were invited as ${invited.email}. Choose your password to finish.`),
    submitting(h('form', { novalidate: true },
      field('First name', 'firstname', { required: true, autocomplete: 'given-name', value: invited.firstname || '' }),
      field('Last name', 'lastname', { autocomplete: 'family-name', value: invited.lastname || '' }),
      field('Password', 'password', { type: 'password', required: true, autocomplete: 'new-password' }, PASSWORD_RULE),
      h('button', { type: 'submit' }, 'Finish')),
    async (entered) => {
      const data = await call('POST', '/admin/register', { registrationToken: token, userInfo: entered });
      session.token = data.token;
      history.replaceState(null, '', '#/');
      await start();
    })));
}

/** Chooses the first view: registration on a fresh install, sign-in, or the panel. */
async function start() {
  say('');
  const nav = document.getElementById('nav');
  const account = document.getElementById('account');
  if (session.token) {
    try {
      const me = await call('GET', '/admin/users/me');
      const permissions = await call('GET', '/admin/users/me/permissions');
      held = new Set(permissions.map((permission) => permission.action));
      document.getElementById('who').textContent = me.email;
      applyNav();
      nav.hidden = false;
      account.hidden = false;
      return route();
    } catch {
      session.token = null;
    }
  }
  nav.hidden = true;
  account.hidden = true;
  const invitation = /^#\/register\?registrationToken=([^&]+)/.exec(location.hash);
  if (invitation) return invitedView(decodeURIComponent(invitation[1]));
  const init = await call('GET', '/admin/init');
  if (init.hasAdmin) loginView(); else registerView();
}

configure({
  unauthorized: () => {
    session.token = null;
    start();
  },
  busy: (on) => { document.getElementById('busy').hidden = !on; },
});

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await call('POST', '/admin/logout', {});
  } catch {
    // The session is forgotten here either way.
  }
  session.token = null;
  // A deliberate log out ends the visit: the next sign-in starts at home. (A session that
  // expires keeps the page, to come back to it.)
  history.replaceState(null, '', '#/');
  start();
});

window.addEventListener('hashchange', route);
start().catch((error) => say(error.message));
