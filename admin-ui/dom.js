// What every view of the panel shares: building elements (never from markup, so no text from
// the server is ever read as HTML), labelled fields with a place for their error, the notice,
// form submission with errors shown beside their fields, and the confirmation dialog.

import { ApiError } from './api.js';

const app = document.getElementById('app');
const notice = document.getElementById('notice');

/** An element: `h('button', {type: 'button', onclick}, 'Save')`. */
export function h(tag, attributes = {}, ...children) {
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

/** Puts a view in the page; the page's title follows the view's heading. */
export function show(...children) {
  app.replaceChildren(...children);
  const heading = app.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Vellum admin` : 'Vellum admin';
  app.focus();
}

export function say(message, kind = 'error') {
  notice.textContent = message;
  notice.className = `notice ${kind}`;
  notice.hidden = !message;
}

let next = null;

/** A notice for the view about to be shown: it survives the navigation to that view. */
export function sayNext(message, kind = 'info') {
  next = { message, kind };
}

/** Clears the notice as a new view begins, or shows the one left for it. */
export function newView() {
  const carried = next;
  next = null;
  say(carried ? carried.message : '', carried ? carried.kind : 'error');
}

/** Keeps count of a form's unsaved edits: leaving its page, or the panel, asks first. */
export function guard(form) {
  form.dataset.guarded = '';
  form.unsaved = false;
  const edited = () => { form.unsaved = true; };
  form.addEventListener('input', edited);
  form.addEventListener('change', edited);
  return form;
}

/** Whether the page shown holds a form with unsaved edits. */
export function hasUnsaved() {
  return [...app.querySelectorAll('form[data-guarded]')].some((form) => form.unsaved);
}

window.addEventListener('beforeunload', (event) => {
  if (hasUnsaved()) event.preventDefault();
});

/** A labelled input with a place for its error. */
export function field(label, name, attributes = {}, hint) {
  const id = `f-${name}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label, attributes.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    h('input', { id, name, ...attributes, 'aria-describedby': `${id}-error${hint ? ` ${id}-hint` : ''}` }),
    hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null,
    h('small', { id: `${id}-error`, class: 'field-error', 'data-error-for': name }));
}

/** Errors that name no field but belong to one (Strapi sends them without details). */
const FIELD_OF_MESSAGE = [[/^Name already taken/, 'name']];

/** Shows an error: field messages beside their fields (marked `aria-invalid`, the first one
 * focused), the message on top (focused when no field has one). */
export function showError(form, error) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const marked of form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid');
  const fields = error instanceof ApiError ? { ...error.fields } : {};
  if (error instanceof ApiError && !Object.keys(fields).length) {
    const owner = FIELD_OF_MESSAGE.find(([pattern]) => pattern.test(error.message));
    if (owner) fields[owner[1]] = error.message;
  }
  let first = null;
  for (const [path, message] of Object.entries(fields)) {
    // `allowedIps.0` belongs to `allowedIps`, `userInfo.password` to `password`.
    const parts = path.split('.');
    const name = [parts[0], parts[parts.length - 1]]
      .find((candidate) => form.querySelector(`[data-error-for="${CSS.escape(candidate)}"]`));
    if (!name) continue;
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    slot.textContent = message;
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      first = first || control;
    }
  }
  // fetch's own failure ("Failed to fetch") says nothing to a reader.
  const message = error instanceof TypeError
    ? 'The server could not be reached: check that Vellum is running, then try again.'
    : error.message;
  say(first ? `${message} (see the marked fields)` : message);
  (first || notice).focus();
}

export function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** Runs `work` for a form's submission (with the button that submitted it), with its submit
 * buttons disabled meanwhile. */
export function submitting(form, work) {
  // A success notice goes stale as soon as the form is edited again.
  form.addEventListener('input', () => {
    if (notice.classList.contains('info')) say('');
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll('button[type=submit]')];
    for (const button of buttons) button.disabled = true;
    say('');
    try {
      await work(values(form), event.submitter, form);
      form.unsaved = false;
    } catch (error) {
      showError(form, error);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  });
  return form;
}

/** Asks for confirmation in a modal dialog; `extra` adds inputs whose values come back. */
export function confirmDialog(text, okLabel, extra) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  document.getElementById('confirm-extra').replaceChildren(...(extra ? [extra] : []));
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'ok') {
        resolve(null);
        return;
      }
      // Values by name; ticked checkboxes of one name as a list.
      const entries = {};
      for (const input of dialog.querySelectorAll('#confirm-extra input, #confirm-extra select')) {
        if (input.type === 'checkbox') {
          if (input.checked) (entries[input.name] ||= []).push(input.value);
        } else {
          entries[input.name] = input.value;
        }
      }
      resolve(entries);
    }, { once: true });
    dialog.showModal();
  });
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}
