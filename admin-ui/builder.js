// The content-type builder (Settings-free, as Strapi's: its own navigation entry), over
// `/admin/content-types`: create a collection or single type, add, edit, reorder and remove
// attributes of every supported kind with their options; the API's validation is shown beside
// the field it names. Saving changes the table (additively) and the schema file at once.

import { ApiError, call } from './api.js';
import {
  confirmDialog, field, guard, h, say, show, submitting,
} from './dom.js';

const KINDS = ['string', 'text', 'richtext', 'email', 'uid', 'enumeration', 'integer', 'biginteger',
  'float', 'decimal', 'boolean', 'date', 'time', 'datetime', 'json'];
const TEXTUAL = ['string', 'text', 'richtext', 'email', 'uid'];
const NUMERIC = ['integer', 'biginteger', 'float', 'decimal'];
/** The options the form edits; any other option of an attribute is kept. */
const MANAGED = ['required', 'unique', 'private', 'minLength', 'maxLength', 'min', 'max', 'enum', 'default'];

/** `Blog post` → `blog-post`. */
function kebab(text) {
  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** The side menu of types, the current one marked. */
function typeMenu(types, current) {
  return h('nav', { class: 'types', 'aria-label': 'Content types' },
    h('h2', {}, 'Types'),
    h('ul', {}, types.map((type) => h('li', {},
      h('a', { href: `#/builder/${type.uid}`, 'aria-current': current === type.uid ? 'page' : null },
        type.schema.info.displayName || type.apiID))),
    h('li', {}, h('a', { href: '#/builder/new', 'aria-current': current === 'new' ? 'page' : null }, '+ New type'))));
}

/** One attribute's row: name, kind, and the options of that kind. */
function attributeRow(initialName, initialDefinition) {
  let name = initialName;
  let definition = initialDefinition;
  const row = h('fieldset', { class: 'attribute', 'data-attribute': name });
  // What the form does not show (plugin options, an index, …) is kept as it was.
  row.definition = initialDefinition;
  const draw = (kind) => {
    // What was typed survives a change of kind, for the options both kinds have.
    for (const input of row.querySelectorAll('input[data-option]')) {
      const option = input.dataset.option;
      if (option === 'name') name = input.value;
      else definition = { ...definition, [option]: input.type === 'checkbox' ? input.checked : input.value };
    }
    const options = [];
    if (TEXTUAL.includes(kind)) {
      options.push(small('minLength', 'Min length', definition.minLength, 'number'),
        small('maxLength', 'Max length', definition.maxLength, 'number'));
    }
    if (NUMERIC.includes(kind)) {
      options.push(small('min', 'Min', definition.min, 'number'), small('max', 'Max', definition.max, 'number'));
    }
    if (kind === 'enumeration') {
      options.push(small('enum', 'Values (comma-separated)', Array.isArray(definition.enum) ? definition.enum.join(', ') : (definition.enum || ''), 'text'));
    }
    if (kind !== 'json') {
      options.push(small('default', 'Default', definition.default ?? '', kind === 'boolean' ? 'checkbox' : 'text'));
    }
    row.replaceChildren(
      h('legend', {}, name.trim() || 'New attribute'),
      h('div', { class: 'filters' },
        small('name', 'Name', name, 'text'),
        h('div', { class: 'field' },
          h('label', {}, 'Type', h('select', {
            'data-option': 'type',
            onchange: (event) => draw(event.target.value),
          }, KINDS.map((k) => h('option', { value: k, selected: k === kind }, k))))),
        check('required', 'Required', definition.required),
        check('unique', 'Unique', definition.unique),
        check('private', 'Private', definition.private),
        ...options),
      h('small', { class: 'field-error', 'data-error-for': `attr-${name.trim()}` }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'data-move': 'up', onclick: () => move(row, -1) }, 'Up'),
        h('button', { type: 'button', class: 'secondary', 'data-move': 'down', onclick: () => move(row, 1) }, 'Down'),
        h('button', { type: 'button', class: 'danger', 'data-remove': '', onclick: () => removeRow(row) }, 'Remove')));
  };
  draw(definition.type || 'string');
  // The row's legend and error place follow its name.
  row.addEventListener('input', (event) => {
    if (event.target.dataset.option !== 'name') return;
    const renamed = event.target.value.trim();
    row.querySelector('legend').textContent = renamed || 'New attribute';
    row.querySelector('.field-error').dataset.errorFor = `attr-${renamed}`;
  });
  return row;
}

function small(option, label, value, type) {
  const attributes = { 'data-option': option, type };
  if (type === 'checkbox') attributes.checked = value === true;
  else attributes.value = value ?? '';
  return h('div', { class: type === 'checkbox' ? 'field check-field' : 'field' },
    h('label', {}, label, ' ', h('input', attributes)));
}

function check(option, label, value) {
  return h('div', { class: 'field check-field' },
    h('label', {}, h('input', { type: 'checkbox', 'data-option': option, checked: value === true }), ` ${label}`));
}

function move(row, by) {
  const sibling = by < 0 ? row.previousElementSibling : row.nextElementSibling;
  if (!sibling || !sibling.matches('fieldset.attribute')) return;
  if (by < 0) sibling.before(row); else sibling.after(row);
  row.closest('form').unsaved = true;
  row.querySelector(`[data-move=${by < 0 ? 'up' : 'down'}]`).focus();
}

async function removeRow(row) {
  const name = row.querySelector('[data-option=name]').value;
  if (!(await confirmDialog(`Remove the attribute "${name}"? Its column and data are kept in the database.`, 'Remove'))) return;
  row.closest('form').unsaved = true;
  row.remove();
}

/** An option's value from its input, typed as the schema holds it; undefined when empty. */
function optionValue(input, kind) {
  if (input.type === 'checkbox') return input.checked || undefined;
  const text = input.value.trim();
  if (!text) return undefined;
  const option = input.dataset.option;
  if (['minLength', 'maxLength', 'min', 'max'].includes(option)) return Number(text);
  if (option === 'enum') return text.split(',').map((v) => v.trim()).filter(Boolean);
  if (option === 'default') {
    if (NUMERIC.includes(kind)) return Number(text);
    return text;
  }
  return text;
}

/** The schema the form describes. */
function schemaOf(form, base) {
  const attributes = {};
  for (const row of form.querySelectorAll('fieldset.attribute')) {
    const name = row.querySelector('[data-option=name]').value.trim();
    const kind = row.querySelector('[data-option=type]').value;
    const definition = { ...row.definition, type: kind };
    for (const option of MANAGED) delete definition[option];
    for (const input of row.querySelectorAll('input[data-option]')) {
      if (input.dataset.option === 'name') continue;
      const value = optionValue(input, kind);
      if (value !== undefined) definition[input.dataset.option] = value;
    }
    attributes[name] = definition;
  }
  const entered = Object.fromEntries(new FormData(form).entries());
  return {
    ...base,
    kind: base.kind || entered.kind,
    info: {
      ...(base.info || {}),
      displayName: entered.displayName,
      singularName: base.info ? base.info.singularName : entered.singularName,
      pluralName: base.info ? base.info.pluralName : entered.pluralName,
    },
    options: { ...(base.options || {}), draftAndPublish: form.querySelector('#f-draftAndPublish').checked },
    attributes,
  };
}

/** The API's field errors, put beside the field or the attribute row they name. */
function placed(error) {
  if (!(error instanceof ApiError)) return error;
  const fields = {};
  for (const [path, message] of Object.entries(error.fields)) {
    const parts = path.split('.');
    const key = parts[0] === 'attributes' && parts[1] ? `attr-${parts[1]}` : parts[parts.length - 1];
    fields[key] = parts.length > 2 && parts[0] === 'attributes' ? `${parts.slice(2).join('.')} ${message}` : message;
  }
  error.fields = fields;
  return error;
}

/** `#/builder[/uid|new]`. */
export async function builderView(rest) {
  const types = await call('GET', '/admin/content-types');
  const existing = types.find((type) => type.uid === rest);
  const creating = !existing && (rest === 'new' || !types.length);
  if (!existing && !creating) {
    return types.length ? builderView(types[0].uid) : builderView('new');
  }
  const schema = existing ? existing.schema : { attributes: {} };
  const list = h('div', { id: 'attributes' },
    Object.entries(schema.attributes).map(([name, definition]) => attributeRow(name, definition)));
  const form = guard(h('form', { novalidate: true, id: 'builder' },
    field('Display name', 'displayName', { required: true, value: schema.info ? schema.info.displayName : '' }),
    creating ? [
      field('Singular name (API ID)', 'singularName', { required: true }, 'kebab-case: blog-post'),
      field('Plural name', 'pluralName', { required: true }, 'kebab-case: blog-posts; the API is /api/<plural name>'),
      h('div', { class: 'field' },
        h('label', { for: 'f-kind' }, 'Kind'),
        h('select', { id: 'f-kind', name: 'kind' },
          h('option', { value: 'collectionType' }, 'Collection type (many entries)'),
          h('option', { value: 'singleType' }, 'Single type (one entry)'))),
    ] : h('p', { class: 'hint' }, `${existing.uid}: the API ID and kind cannot change.`),
    h('div', { class: 'field check-field' },
      h('input', {
        type: 'checkbox', id: 'f-draftAndPublish', checked: !schema.options || schema.options.draftAndPublish !== false,
      }),
      h('label', { for: 'f-draftAndPublish' }, 'Draft & publish')),
    h('h2', {}, 'Attributes'),
    list,
    h('small', { class: 'field-error', 'data-error-for': 'attributes' }),
    h('div', { class: 'actions' },
      h('button', {
        type: 'button',
        class: 'secondary',
        id: 'add-attribute',
        onclick: () => {
          const row = attributeRow('', { type: 'string' });
          list.append(row);
          form.unsaved = true;
          row.querySelector('[data-option=name]').focus();
        },
      }, 'Add an attribute'),
      h('button', { type: 'submit' }, 'Save'))));
  // The API ID follows the display name while the type is new.
  if (creating) {
    form.querySelector('#f-displayName').addEventListener('input', (event) => {
      const singular = kebab(event.target.value);
      form.querySelector('#f-singularName').value = singular;
      form.querySelector('#f-pluralName').value = singular ? `${singular}s` : '';
    });
  }
  submitting(form, async () => {
    const data = schemaOf(form, schema);
    try {
      const saved = existing
        ? await call('PUT', `/admin/content-types/${encodeURIComponent(existing.uid)}`, { data })
        : await call('POST', '/admin/content-types', { data });
      form.unsaved = false;
      history.replaceState(null, '', `#/builder/${saved.uid}`);
      await builderView(saved.uid);
      say(`Saved ${saved.uid}: the API serves it now.`, 'info');
    } catch (error) {
      throw placed(error);
    }
  });
  show(h('div', { class: 'content-layout' },
    typeMenu(types, existing ? existing.uid : 'new'),
    h('section', { class: 'card' },
      h('h1', {}, existing ? (schema.info.displayName || existing.apiID) : 'New content type'),
      form)));
}
