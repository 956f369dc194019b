// The content manager: the entries of each content type (pages, sort by column, a text filter),
// forms generated from the schema (relations with a picker), save, publish/unpublish and delete. It uses the Admin API's
// /admin/content-manager routes, as Strapi's panel does.

import { ApiError, call } from './api.js';
import {
  confirmDialog, guard, h, say, sayNext, show, submitting, when,
} from './dom.js';

const BASE = '/admin/content-manager';
const PAGE_SIZE = 10;

/** The content types, read at each visit (a type added meanwhile shows at once). */
let types = [];

function path(type, documentId) {
  const kind = type.kind === 'singleType' ? 'single-types' : 'collection-types';
  return `${BASE}/${kind}/${type.uid}${documentId ? `/${documentId}` : ''}`;
}

/** The status badge of an entry (draft & publish types only). */
function badge(type, entry) {
  if (!type.draftAndPublish || !entry) return null;
  return h('span', { class: `status ${entry.status}`, 'data-status': entry.status },
    { draft: 'Draft', published: 'Published', modified: 'Modified' }[entry.status] || entry.status);
}

/** What a list shows of a value: short text. */
function cell(attribute, value) {
  if (value === null || value === undefined) return '';
  if (attribute.type === 'boolean') return value ? 'yes' : 'no';
  if (attribute.type === 'datetime') return when(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const LISTED = ['string', 'email', 'uid', 'enumeration', 'integer', 'biginteger', 'float', 'decimal',
  'boolean', 'date', 'time', 'datetime'];

/** The side menu of content types, the current one marked. */
function typeMenu(current) {
  return h('nav', { class: 'types', 'aria-label': 'Content types' },
    h('h2', {}, 'Content'),
    h('ul', {}, types.map((type) => h('li', {},
      h('a', { href: `#/content/${type.uid}`, 'aria-current': type.uid === current.uid ? 'page' : null },
        type.displayName)))));
}

/** The address of each type's list as last shown (its page, sort and search), to go back to. */
const lists = new Map();

/** The list's state as its address holds it (`?page=2&sort=title:asc&q=word`). */
function listState(search) {
  const params = new URLSearchParams(search);
  const page = Number.parseInt(params.get('page') || '1', 10);
  return { page: page > 0 ? page : 1, sort: params.get('sort'), q: params.get('q') || '' };
}

function listAddress(type, state) {
  const params = new URLSearchParams();
  if (state.page > 1) params.set('page', String(state.page));
  if (state.sort) params.set('sort', state.sort);
  if (state.q) params.set('q', state.q);
  const query = params.toString();
  return `#/content/${type.uid}${query ? `?${query}` : ''}`;
}

/** `#/content[/uid[/documentId|new]][?page&sort&q]`. */
export async function contentView(rest) {
  types = await call('GET', `${BASE}/content-types`);
  const [where, search] = (rest || '').split('?');
  const [uid, documentId] = where ? where.split('/') : [];
  if (!types.length) {
    show(h('section', { class: 'card' }, h('h1', {}, 'Content'),
      h('p', {}, 'No content type yet: declare one in CONTENT_TYPES_DIR or through the Admin API.')));
    return;
  }
  const type = types.find((t) => t.uid === uid) || types[0];
  if (type.kind === 'singleType') return editView(type, null);
  if (documentId === 'new') return editView(type, null);
  if (documentId) return editView(type, documentId);
  return listView(type, listState(search));
}

async function listView(type, state) {
  // The address says what the list shows: a reload or a shared link shows the same.
  const address = listAddress(type, state);
  if (location.hash !== address) history.replaceState(null, '', address);
  lists.set(type.uid, address);
  const query = new URLSearchParams({ page: String(state.page), pageSize: String(PAGE_SIZE) });
  if (state.sort) query.set('sort', state.sort);
  if (state.q) query.set('_q', state.q);
  const { results, pagination } = await call('GET', `${path(type)}?${query}`);
  const columns = type.attributes.filter((a) => LISTED.includes(a.type)).slice(0, 4);
  const sortBy = (name) => {
    const ascending = state.sort === `${name}:asc`;
    return listView(type, { ...state, page: 1, sort: `${name}:${ascending ? 'desc' : 'asc'}` });
  };
  const header = (label, name) => {
    const [key, order] = (state.sort || '').split(':');
    const sorted = key === name ? (order === 'asc' ? 'ascending' : 'descending') : null;
    return h('th', { scope: 'col', 'aria-sort': sorted },
      h('button', { type: 'button', class: 'sort', 'data-sort': name, onclick: () => sortBy(name) },
        label, sorted ? (sorted === 'ascending' ? ' ▲' : ' ▼') : ''));
  };
  const rows = results.map((entry) => h('tr', { 'data-document': entry.documentId },
    columns.map((attribute, index) => {
      const text = cell(attribute, entry[attribute.name]);
      return index === 0
        ? h('th', { scope: 'row' }, h('a', { href: `#/content/${type.uid}/${entry.documentId}` }, text || entry.documentId))
        : h('td', {}, text);
    }),
    type.draftAndPublish ? h('td', {}, badge(type, entry)) : null,
    h('td', {}, when(entry.updatedAt))));
  const search = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'field' },
      h('label', { for: 'f-q' }, 'Search'),
      h('input', { id: 'f-q', name: 'q', type: 'search', value: state.q })),
    h('button', { type: 'submit' }, 'Filter'));
  submitting(search, async (entered) => listView(type, { ...state, page: 1, q: entered.q.trim() }));
  const pages = Math.max(pagination.pageCount, 1);
  show(h('div', { class: 'content-layout' },
    typeMenu(type),
    h('section', { class: 'card' },
      h('div', { class: 'heading' },
        h('h1', {}, type.displayName),
        h('a', { class: 'button', href: `#/content/${type.uid}/new` }, 'Create new entry')),
      search,
      results.length
        ? h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {},
            columns.map((a) => header(a.name, a.name)),
            type.draftAndPublish ? h('th', { scope: 'col' }, 'Status') : null,
            header('Updated', 'updatedAt'))),
          h('tbody', {}, rows)))
        : h('p', { id: 'no-entries' }, state.q ? 'No entry matches.' : 'No entry yet.'),
      h('div', { class: 'actions' },
        h('span', { id: 'page-info' }, `Page ${pagination.page} of ${pages} (${pagination.total} entries)`),
        h('button', { type: 'button', class: 'secondary', 'data-page': 'previous', disabled: state.page <= 1, onclick: () => listView(type, { ...state, page: state.page - 1 }) }, 'Previous'),
        h('button', { type: 'button', class: 'secondary', 'data-page': 'next', disabled: state.page >= pages, onclick: () => listView(type, { ...state, page: state.page + 1 }) }, 'Next')))));
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** An ISO date-time as a `datetime-local` input shows it (local time). */
function localDateTime(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The input of one attribute, filled with `value`. */
function input(attribute, value) {
  const id = `f-${attribute.name}`;
  const common = { id, name: attribute.name, required: attribute.required, 'aria-describedby': `${id}-error` };
  const present = value !== null && value !== undefined;
  switch (attribute.type) {
    case 'text':
    case 'richtext':
      return h('textarea', { ...common, rows: 5, maxlength: attribute.maxLength }, present ? value : '');
    case 'json':
      return h('textarea', { ...common, rows: 5, class: 'code' }, present ? JSON.stringify(value, null, 2) : '');
    case 'boolean':
      return h('input', { ...common, type: 'checkbox', required: false, checked: value === true });
    case 'enumeration':
      return h('select', common,
        h('option', { value: '' }, '—'),
        attribute.enum.map((item) => h('option', { value: item, selected: value === item }, item)));
    case 'integer':
    case 'biginteger':
    case 'float':
    case 'decimal':
      return h('input', {
        ...common,
        type: 'number',
        step: attribute.type === 'float' || attribute.type === 'decimal' ? 'any' : '1',
        min: attribute.min,
        max: attribute.max,
        value: present ? value : '',
      });
    case 'date':
      return h('input', { ...common, type: 'date', value: present ? value : '' });
    case 'time':
      return h('input', { ...common, type: 'time', step: '1', value: present ? String(value).slice(0, 8) : '' });
    case 'datetime':
      return h('input', { ...common, type: 'datetime-local', value: present ? localDateTime(value) : '' });
    case 'email':
      return h('input', { ...common, type: 'email', value: present ? value : '', maxlength: attribute.maxLength });
    default:
      return h('input', { ...common, type: 'text', value: present ? value : '', maxlength: attribute.maxLength });
  }
}

/**
 * A relation's picker: the entries it links, in order (each removable; a list's movable up and
 * down), and a search among the target's entries to add one (to a single relation: in place of
 * the one it has). What it holds travels in a hidden input, as documentIds.
 */
function relationField(relation, current) {
  const target = types.find((t) => t.uid === relation.target);
  const id = `f-${relation.name}`;
  const label = (entry) => (target ? titleOf(target, entry) : entry.documentId);
  const linked = relation.multiple ? (current || []) : (current ? [current] : []);
  let chosen = linked.map((entry) => ({ documentId: entry.documentId, label: label(entry) }));
  const hidden = h('input', { type: 'hidden', name: relation.name, id });
  const list = h('ol', { class: 'relation-list', id: `${id}-list` });
  const results = h('ul', { class: 'relation-results', id: `${id}-results` });
  const search = h('input', {
    type: 'search',
    id: `${id}-search`,
    placeholder: target ? `Search ${target.displayName}` : 'Search',
    'aria-label': `Add to ${relation.name}`,
    autocomplete: 'off',
  });
  const changed = () => {
    draw();
    hidden.dispatchEvent(new Event('change', { bubbles: true }));
  };
  const button = (text, labelled, onclick, disabled) => h('button', {
    type: 'button', class: 'secondary small', 'aria-label': labelled, disabled, onclick,
  }, text);
  function draw() {
    hidden.value = JSON.stringify(chosen.map((c) => c.documentId));
    list.replaceChildren(...chosen.map((c, i) => h('li', { 'data-document-id': c.documentId },
      h('span', { class: 'relation-label' }, c.label),
      relation.multiple ? button('↑', `Move ${c.label} up`, () => {
        [chosen[i - 1], chosen[i]] = [chosen[i], chosen[i - 1]];
        changed();
      }, i === 0) : null,
      relation.multiple ? button('↓', `Move ${c.label} down`, () => {
        [chosen[i], chosen[i + 1]] = [chosen[i + 1], chosen[i]];
        changed();
      }, i === chosen.length - 1) : null,
      button('Remove', `Remove ${c.label}`, () => {
        chosen = chosen.filter((_, j) => j !== i);
        changed();
      }))));
    if (!chosen.length) list.append(h('li', { class: 'hint' }, 'None'));
  }
  let asked = 0;
  const find = async () => {
    if (!target) return;
    const query = new URLSearchParams({ page: '1', pageSize: '10' });
    if (search.value.trim()) query.set('_q', search.value.trim());
    const mine = ++asked;
    try {
      const { results: found } = await call('GET', `${path(target)}?${query}`);
      // Only the answer to the latest search is shown.
      if (mine !== asked) return;
      const offered = found.filter((e) => !chosen.some((c) => c.documentId === e.documentId));
      results.replaceChildren(...offered.map((entry) => h('li', {},
        h('button', {
          type: 'button',
          class: 'link',
          'data-pick': entry.documentId,
          onclick: () => {
            const picked = { documentId: entry.documentId, label: label(entry) };
            chosen = relation.multiple ? [...chosen, picked] : [picked];
            results.replaceChildren();
            search.value = '';
            changed();
          },
        }, label(entry)))));
      if (!offered.length) results.append(h('li', { class: 'hint' }, 'Nothing to add'));
    } catch (error) {
      say(error.message);
    }
  };
  // Searching is not an edit of the entry, and Enter searches instead of saving.
  search.addEventListener('input', (event) => {
    event.stopPropagation();
    find();
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      find();
    }
  });
  search.addEventListener('focus', find);
  draw();
  return h('div', { class: 'field relation-field' },
    h('label', { for: `${id}-search` }, relation.name,
      h('small', { class: 'hint' }, ` ${relation.relation} → ${target ? target.displayName : relation.target}`)),
    list, search, results, hidden,
    h('small', { id: `${id}-error`, class: 'field-error', 'data-error-for': relation.name }));
}

/** The body of a save: each attribute's value from its input (empty means null). */
function formBody(type, form) {
  const body = {};
  const invalid = [];
  for (const relation of type.relations || []) {
    const ids = JSON.parse(form.elements[relation.name].value || '[]');
    body[relation.name] = relation.multiple ? ids : (ids[0] || null);
  }
  for (const attribute of type.attributes) {
    const element = form.elements[attribute.name];
    const raw = element.type === 'checkbox' ? element.checked : element.value;
    if (attribute.type === 'boolean') {
      body[attribute.name] = raw;
    } else if (raw === '') {
      body[attribute.name] = null;
    } else if (['integer', 'float', 'decimal'].includes(attribute.type)) {
      body[attribute.name] = Number(raw);
    } else if (attribute.type === 'datetime') {
      body[attribute.name] = new Date(raw).toISOString();
    } else if (attribute.type === 'json') {
      try {
        body[attribute.name] = JSON.parse(raw);
      } catch {
        invalid.push({ path: [attribute.name], message: `${attribute.name} must be valid JSON` });
      }
    } else {
      body[attribute.name] = raw;
    }
  }
  if (invalid.length) {
    throw new ApiError(400, { error: { message: 'Some fields are not valid', details: { errors: invalid } } });
  }
  return body;
}

/** What names an entry, as Strapi's main field: its first text attribute with a value. */
function titleOf(type, entry) {
  const main = type.attributes.find((a) => ['string', 'uid', 'email'].includes(a.type) && entry[a.name]);
  return main ? String(entry[main.name]) : `Untitled ${type.displayName}`;
}

/** The form of one entry: a new one (`documentId` null), an existing one, or a single type's. */
async function editView(type, documentId) {
  const single = type.kind === 'singleType';
  let entry = null;
  if (documentId || single) {
    try {
      entry = await call('GET', path(type, documentId));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404 && single)) throw error;
    }
  }
  const isNew = !entry;
  const fields = type.attributes.map((attribute) => {
    const id = `f-${attribute.name}`;
    const control = input(attribute, entry ? entry[attribute.name] : attribute.default);
    const label = h('label', { for: id }, attribute.name,
      attribute.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null,
      h('small', { class: 'hint' }, ` ${attribute.type}`));
    return h('div', { class: attribute.type === 'boolean' ? 'field check-field' : 'field' },
      label, control,
      h('small', { id: `${id}-error`, class: 'field-error', 'data-error-for': attribute.name }));
  });
  const pickers = (type.relations || [])
    .map((relation) => relationField(relation, entry ? entry[relation.name] : null));
  const back = lists.get(type.uid) || `#/content/${type.uid}`;
  const target = () => path(type, single ? null : entry && entry.documentId);
  const unpublish = async () => {
    try {
      const done = await call('POST', `${target()}/actions/unpublish`, {});
      say('Unpublished: the entry is a draft again.', 'info');
      await redraw(done);
    } catch (error) {
      say(error.message);
    }
  };
  const remove = async () => {
    if (!(await confirmDialog('Delete this entry? Every version of it is removed.', 'Delete'))) return;
    try {
      await call('DELETE', target());
      form.unsaved = false;
      if (single) {
        say('Deleted.', 'info');
        await editView(type, null);
      } else {
        sayNext('Deleted.');
        location.hash = back;
      }
    } catch (error) {
      say(error.message);
    }
  };
  const redraw = async (saved) => {
    if (!single && isNew) {
      history.replaceState(null, '', `#/content/${type.uid}/${saved.documentId}`);
    }
    await editView(type, single ? null : saved.documentId);
  };
  const form = guard(h('form', { novalidate: true, id: 'entry-form' },
    fields,
    pickers,
    h('div', { class: 'actions' },
      single ? null : h('a', { class: 'button secondary', href: back }, 'Back to the list'),
      entry && type.draftAndPublish && entry.status !== 'draft'
        ? h('button', { type: 'button', class: 'secondary', id: 'unpublish', onclick: unpublish }, 'Unpublish')
        : null,
      // Publish saves what the form holds and publishes it, in one step as in Strapi.
      entry && type.draftAndPublish
        ? h('button', { type: 'submit', class: 'secondary', id: 'publish' }, 'Publish')
        : null,
      h('button', { type: 'submit', id: 'save' }, 'Save'))));
  submitting(form, async (_, submitter) => {
    const body = formBody(type, form);
    const saved = isNew && !single
      ? await call('POST', path(type), body)
      : await call('PUT', target(), body);
    if (submitter && submitter.id === 'publish') {
      const done = await call('POST', `${target()}/actions/publish`, {});
      say('Published.', 'info');
      await redraw(done);
      return;
    }
    say(type.draftAndPublish ? 'Saved as a draft: publish it to serve it on the API.' : 'Saved.', 'info');
    await redraw(saved);
  });
  show(h('div', { class: 'content-layout' },
    typeMenu(type),
    h('section', { class: 'card' },
      h('div', { class: 'heading' },
        h('h1', {}, isNew ? `New ${type.displayName}` : titleOf(type, entry), ' ', badge(type, entry)),
        entry ? h('small', { class: 'hint' }, `${type.displayName} · `, h('span', { id: 'document-id' }, entry.documentId)) : null),
      h('p', { class: 'hint' }, 'Fields marked * are required.'),
      form,
      // Away from Save and Publish: deleting removes every version.
      entry ? h('div', { class: 'danger-zone' },
        h('button', { type: 'button', class: 'danger', id: 'delete-entry', onclick: remove }, 'Delete this entry')) : null)));
}
