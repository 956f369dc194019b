// The admin panel: first-run registration, sign-in, and Settings → API Tokens. Views are built
// with DOM calls (never innerHTML), so no text from the server is ever read as markup.

import { ApiError, call, configure, session } from './api.js';

const app = document.getElementById('app');
const notice = document.getElementById('notice');

/** An element: `h('button', {type: 'button', onclick}, 'Save')`. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function show(...children) {
  app.replaceChildren(...children);
  app.focus();
}

function say(message, kind = 'error') {
  notice.textContent = message;
  notice.className = `notice ${kind}`;
  notice.hidden = !message;
}

/** A labelled input with a place for its error. */
function field(label, name, attributes = {}, hint) {
  const id = `f-${name}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label, attributes.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    h('input', { id, name, ...attributes, 'aria-describedby': `${id}-error${hint ? ` ${id}-hint` : ''}` }),
    hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null,
    h('small', { id: `${id}-error`, class: 'field-error', 'data-error-for': name }));
}

/** Shows an API error: field messages beside their fields, the message on top. */
function showError(form, error) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  if (error instanceof ApiError) {
    for (const [path, message] of Object.entries(error.fields)) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(path.split('.')[0])}"]`);
      if (slot) slot.textContent = message;
    }
  }
  say(error.message);
}

function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** Runs `work` for a form's submission, with its button disabled meanwhile. */
function submitting(form, work) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    say('');
    try {
      await work(values(form));
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

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

/** Asks for confirmation in a modal dialog; `extra` adds inputs whose values come back. */
function confirmDialog(text, okLabel, extra) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  document.getElementById('confirm-extra').replaceChildren(...(extra ? [extra] : []));
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const inputs = dialog.querySelectorAll('#confirm-extra input');
      resolve(dialog.returnValue === 'ok'
        ? Object.fromEntries([...inputs].map((input) => [input.name, input.value]))
        : null);
    }, { once: true });
    dialog.showModal();
  });
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

/** A checkbox per action, named `permission`. */
function actionBox(value, label) {
  const id = `p-${value.replace(/[^a-zA-Z0-9]/g, '-')}`;
  return h('label', { for: id, class: 'check' },
    h('input', { type: 'checkbox', id, name: 'permission', value }), ` ${label}`);
}

function ticked(form) {
  return [...form.querySelectorAll('input[name=permission]:checked')].map((box) => box.value);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
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
  return h('div', { class: 'banner', role: 'status' },
    h('p', {}, h('strong', {}, warning)),
    h('div', { class: 'secret-row' }, code, copy));
}

const ONCE = 'Make sure to copy this token now: it will not be shown again.';

async function tokensView(banner) {
  const tokens = await call('GET', '/admin/api-tokens');
  const now = Date.now();
  const rows = tokens.map((token) => {
    const expired = token.expiresAt && Date.parse(token.expiresAt) <= now;
    const fromConfig = token.source === 'config';
    return h('tr', { class: expired ? 'expired' : null, 'data-token': token.name },
      h('th', { scope: 'row' }, token.name, expired ? h('span', { class: 'tag' }, 'expired') : null,
        fromConfig ? h('span', { class: 'tag' }, 'configuration') : null),
      h('td', {}, token.description || ''),
      h('td', {}, token.type),
      h('td', {}, when(token.createdAt)),
      h('td', {}, when(token.lastUsedAt)),
      h('td', {}, token.expiresAt ? when(token.expiresAt) : 'Unlimited'),
      h('td', { class: 'row-actions' }, fromConfig ? '' : [
        h('button', { type: 'button', class: 'secondary', 'data-action': 'regenerate', onclick: () => regenerate(token) }, 'Regenerate'),
        h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => remove(token) }, 'Delete'),
      ]));
  });
  show(h('section', { class: 'card' },
    h('div', { class: 'heading' },
      h('h1', {}, 'API Tokens'),
      h('a', { class: 'button', href: '#/tokens/new' }, 'Create new API Token')),
    banner || null,
    tokens.length
      ? h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Name', 'Description', 'Type', 'Created', 'Last used', 'Expires', 'Actions']
          .map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, rows)))
      : h('p', {}, 'No API token yet.')));
}

async function regenerate(token, base = '/admin/api-tokens', back = tokensView) {
  const grace = h('div', { class: 'field' },
    h('label', { for: 'f-grace' }, 'Keep the old token working for (seconds, optional)'),
    h('input', { id: 'f-grace', name: 'gracePeriod', type: 'number', min: '1', inputmode: 'numeric' }));
  const answer = await confirmDialog(
    `Regenerate "${token.name}"? Clients using the current token will be refused.`, 'Regenerate', grace);
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

async function newTokenView() {
  const catalogue = await call('GET', '/admin/content-api/permissions');
  const grid = h('fieldset', { class: 'permissions', id: 'permissions', hidden: true },
    h('legend', {}, 'Permissions'),
    Object.entries(catalogue).map(([api, { controllers }]) => Object.entries(controllers).map(([name, actions]) =>
      h('div', { class: 'permission-group' },
        h('h2', {}, name),
        actions.map((action) => actionBox(`${api}.${name}.${action}`, action))))),
    h('small', { class: 'field-error', 'data-error-for': 'permissions' }));
  const form = h('form', {},
    field('Name', 'name', { required: true, maxlength: 255 }),
    field('Description', 'description', {}),
    durationFields(),
    h('div', { class: 'field' },
      h('label', { for: 'f-type' }, 'Token type'),
      h('select', {
        id: 'f-type',
        name: 'type',
        onchange: (event) => { grid.hidden = event.target.value !== 'custom'; },
      }, ['read-only', 'full-access', 'custom'].map((type) => h('option', { value: type }, type))),
      h('small', { class: 'field-error', 'data-error-for': 'type' })),
    grid,
    h('div', { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/tokens' }, 'Cancel'),
      h('button', { type: 'submit' }, 'Save')));
  submitting(form, async (entered) => {
    const body = applyDuration(
      { name: entered.name, description: entered.description, type: entered.type }, entered);
    if (entered.type === 'custom') body.permissions = ticked(form);
    const created = await call('POST', '/admin/api-tokens', body);
    history.replaceState(null, '', '#/tokens');
    await tokensView(tokenBanner(created.accessKey, ONCE));
  });
  show(h('section', { class: 'card' }, h('h1', {}, 'Create an API Token'), form));
}

async function adminTokensView(banner) {
  const tokens = await call('GET', '/admin/admin-tokens');
  const now = Date.now();
  const base = '/admin/admin-tokens';
  const rows = tokens.map((token) => {
    const expired = token.expiresAt && Date.parse(token.expiresAt) <= now;
    return h('tr', { class: expired ? 'expired' : null, 'data-token': token.name },
      h('th', { scope: 'row' }, token.name, expired ? h('span', { class: 'tag' }, 'expired') : null),
      h('td', {}, token.description || ''),
      h('td', {}, token.adminPermissions.map((p) => p.action).join(', ') || 'none'),
      h('td', {}, when(token.lastUsedAt)),
      h('td', {}, token.expiresAt ? when(token.expiresAt) : 'Unlimited'),
      h('td', { class: 'row-actions' },
        h('button', { type: 'button', class: 'secondary', 'data-action': 'regenerate', onclick: () => regenerate(token, base, adminTokensView) }, 'Regenerate'),
        h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => remove(token, base, adminTokensView) }, 'Delete')));
  });
  show(h('section', { class: 'card' },
    h('div', { class: 'heading' },
      h('h1', {}, 'Admin Tokens'),
      h('a', { class: 'button', href: '#/admin-tokens/new' }, 'Create new Admin Token')),
    h('p', { class: 'hint' }, 'An admin token acts on the Admin API as the admin who made it, limited to the permissions you tick (never more than your own).'),
    banner || null,
    tokens.length
      ? h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Name', 'Description', 'Permissions', 'Last used', 'Expires', 'Actions']
          .map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, rows)))
      : h('p', {}, 'No admin token yet.')));
}

async function newAdminTokenView() {
  const mine = await call('GET', '/admin/users/me/permissions');
  const form = h('form', {},
    field('Name', 'name', { required: true, maxlength: 255 }),
    field('Description', 'description', {}),
    durationFields(),
    h('fieldset', { class: 'permissions' },
      h('legend', {}, 'Permissions (yours at most)'),
      h('div', { class: 'permission-group' }, mine.map((p) => actionBox(p.action, p.action))),
      h('small', { class: 'field-error', 'data-error-for': 'adminPermissions' })),
    h('div', { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/admin-tokens' }, 'Cancel'),
      h('button', { type: 'submit' }, 'Save')));
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

async function route() {
  say('');
  if (!session.token) return;
  try {
    const views = {
      '#/tokens/new': newTokenView,
      '#/admin-tokens': adminTokensView,
      '#/admin-tokens/new': newAdminTokenView,
      '#/audit': auditView,
    };
    await (views[location.hash] || tokensView)();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) say(error.message);
  }
}

/** Chooses the first view: registration on a fresh install, sign-in, or the panel. */
async function start() {
  say('');
  const nav = document.getElementById('nav');
  if (session.token) {
    try {
      const me = await call('GET', '/admin/users/me');
      document.getElementById('who').textContent = me.email;
      nav.hidden = false;
      if (!location.hash || location.hash === '#/') history.replaceState(null, '', '#/tokens');
      return route();
    } catch {
      session.token = null;
    }
  }
  nav.hidden = true;
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
  start();
});

window.addEventListener('hashchange', route);
start().catch((error) => say(error.message));
