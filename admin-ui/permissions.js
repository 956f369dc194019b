// Permission grids, shared by tokens and roles: a checkbox per action (named `permission`),
// "all" boxes, and admin actions grouped by what they act on.

import { h } from './dom.js';

/** A checkbox per action, named `permission`. */
export function actionBox(value, label, granted = new Set(), { disabled = false, note = null } = {}) {
  const id = `p-${value.replace(/[^a-zA-Z0-9]/g, '-')}`;
  return h('label', { for: id, class: 'check' },
    h('input', { type: 'checkbox', id, name: 'permission', value, checked: granted.has(value), disabled }),
    ` ${label}`, note ? h('small', { class: 'hint' }, ` (${note})`) : null);
}

/** A checkbox that ticks (or unticks) every permission box `which` accepts. */
export function selectAll(id, label, which) {
  return h('label', { for: `p-${id}`, class: 'check select-all' },
    h('input', {
      type: 'checkbox',
      id: `p-${id}`,
      onchange: (event) => {
        const boxes = event.target.closest('fieldset').querySelectorAll('input[name=permission]');
        for (const box of boxes) if (which(box)) box.checked = event.target.checked;
      },
    }), ` ${label}`);
}

/** Admin actions grouped by what they act on (`admin::users.read` under "users"). */
export function adminGroups(actions) {
  const groups = new Map();
  for (const action of actions) {
    const [subject, verb] = action.replace(/^(admin|plugin)::/, '').split(/\.(?=[^.]+$)/);
    if (!groups.has(subject)) groups.set(subject, []);
    groups.get(subject).push([action, verb]);
  }
  return [...groups];
}

/** The grid of admin permissions (at most `mine`), grouped, `granted` ticked. */
export function adminGrid(mine, granted = new Set()) {
  return h('fieldset', { class: 'permissions' },
    h('legend', {}, 'Permissions (yours at most)'),
    adminGroups(mine).map(([subject, actions]) => h('div', { class: 'permission-group' },
      h('h2', {}, subject),
      selectAll(`all-of-${subject}`, 'all', (box) => actions.some(([action]) => action === box.value)),
      actions.map(([action, verb]) => actionBox(action, verb, granted)))),
    h('small', { class: 'field-error', 'data-error-for': 'adminPermissions' }));
}

export function ticked(form) {
  return [...form.querySelectorAll('input[name=permission]:checked')].map((box) => box.value);
}
