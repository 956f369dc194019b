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

/** A labelled input with a place for its error. */
export function field(label, name, attributes = {}, hint) {
  const id = `f-${name}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label, attributes.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    h('input', { id, name, ...attributes, 'aria-describedby': `${id}-error${hint ? ` ${id}-hint` : ''}` }),
    hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null,
    h('small', { id: `${id}-error`, class: 'field-error', 'data-error-for': name }));
}

/** Shows an API error: field messages beside their fields, the message on top. */
export function showError(form, error) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  if (error instanceof ApiError) {
    for (const [path, message] of Object.entries(error.fields)) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(path.split('.')[0])}"]`);
      if (slot) slot.textContent = message;
    }
  }
  say(error.message);
}

export function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** Runs `work` for a form's submission (with the button that submitted it), with its submit
 * buttons disabled meanwhile. */
export function submitting(form, work) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll('button[type=submit]')];
    for (const button of buttons) button.disabled = true;
    say('');
    try {
      await work(values(form), event.submitter);
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
      const inputs = dialog.querySelectorAll('#confirm-extra input');
      resolve(dialog.returnValue === 'ok'
        ? Object.fromEntries([...inputs].map((input) => [input.name, input.value]))
        : null);
    }, { once: true });
    dialog.showModal();
  });
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}
