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

async function regenerate(token) {
  const grace = h('div', { class: 'field' },
    h('label', { for: 'f-grace' }, 'Keep the old token working for (seconds, optional)'),
    h('input', { id: 'f-grace', name: 'gracePeriod', type: 'number', min: '1', inputmode: 'numeric' }));
  const answer = await confirmDialog(
    `Regenerate "${token.name}"? Clients using the current token will be refused.`, 'Regenerate', grace);
  if (!answer) return;
  try {
    const body = answer.gracePeriod ? { gracePeriod: Number(answer.gracePeriod) } : {};
    const data = await call('POST', `/admin/api-tokens/${token.id}/regenerate`, body);
    await tokensView(tokenBanner(data.accessKey, ONCE));
  } catch (error) {
    say(error.message);
  }
}

async function remove(token) {
  if (!(await confirmDialog(`Delete "${token.name}"? Clients using it will be refused.`, 'Delete'))) return;
  try {
    await call('DELETE', `/admin/api-tokens/${token.id}`);
    say(`Deleted "${token.name}".`, 'info');
    await tokensView();
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
        actions.map((action) => {
          const value = `${api}.${name}.${action}`;
          const id = `p-${value.replace(/[^a-zA-Z0-9]/g, '-')}`;
          return h('label', { for: id, class: 'check' },
            h('input', { type: 'checkbox', id, name: 'permission', value }), ` ${action}`);
        })))),
    h('small', { class: 'field-error', 'data-error-for': 'permissions' }));
  const custom = h('div', { class: 'field', id: 'custom-date', hidden: true },
    h('label', { for: 'f-expiresAt' }, 'Expires on'),
    h('input', { id: 'f-expiresAt', name: 'expiresAt', type: 'date' }),
    h('small', { class: 'field-error', 'data-error-for': 'expiresAt' }));
  const form = h('form', {},
    field('Name', 'name', { required: true, maxlength: 255 }),
    field('Description', 'description', {}),
    h('div', { class: 'field' },
      h('label', { for: 'f-duration' }, 'Token duration'),
      h('select', {
        id: 'f-duration',
        name: 'duration',
        onchange: (event) => { custom.hidden = event.target.value !== 'custom'; },
      }, DURATIONS.map(([label]) => h('option', { value: label },
        label === 'unlimited' ? 'Unlimited' : label === 'custom' ? 'Custom date' : `${label} days`)))),
    custom,
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
    const body = { name: entered.name, description: entered.description, type: entered.type };
    const duration = DURATIONS.find(([label]) => label === entered.duration)[1];
    if (duration === 'custom') {
      if (!entered.expiresAt) throw new Error('Choose the day the token expires.');
      body.expiresAt = new Date(`${entered.expiresAt}T23:59:59`).toISOString();
    } else {
      body.lifespan = duration;
    }
    if (entered.type === 'custom') {
      body.permissions = [...form.querySelectorAll('input[name=permission]:checked')].map((box) => box.value);
    }
    const created = await call('POST', '/admin/api-tokens', body);
    history.replaceState(null, '', '#/tokens');
    await tokensView(tokenBanner(created.accessKey, ONCE));
  });
  show(h('section', { class: 'card' }, h('h1', {}, 'Create an API Token'), form));
}

async function route() {
  say('');
  if (!session.token) return;
  try {
    if (location.hash === '#/tokens/new') await newTokenView();
    else await tokensView();
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
