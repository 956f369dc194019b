// Settings → Users and Roles: the admins (active or not, with their roles: invite, change
// roles, activate, deactivate, delete) and the roles, each with its permissions as a grid of checkboxes that
// never offers more than the signed-in admin holds.

import { call } from './api.js';
import {
  confirmDialog, field, guard, h, say, show, submitting,
} from './dom.js';
import { actionBox, adminGroups, selectAll, ticked } from './permissions.js';

const SUPER_ADMIN = 'strapi-super-admin';
const IS_CREATOR = 'admin::is-creator';

/** Checkboxes of every role, `chosen` ticked (ids `<prefix>-<role id>`). */
function roleBoxes(roles, chosen = new Set(), prefix = 'r') {
  return h('fieldset', { class: 'permissions' },
    h('legend', {}, 'Roles'),
    roles.map((role) => h('label', { for: `${prefix}-${role.id}`, class: 'check' },
      h('input', {
        type: 'checkbox', id: `${prefix}-${role.id}`, name: 'roles', value: role.id, checked: chosen.has(role.id),
      }), ` ${role.name}`)),
    h('small', { class: 'field-error', 'data-error-for': 'roles' }));
}

/** The link an invited admin registers through. */
function inviteLink(token) {
  return `${location.origin}/admin#/register?registrationToken=${encodeURIComponent(token)}`;
}

export async function usersView(banner) {
  const { results } = await call('GET', '/admin/users');
  const roles = await call('GET', '/admin/roles');
  const rows = results.map((user) => h('tr', { 'data-user': user.email },
    h('th', { scope: 'row' }, [user.firstname, user.lastname].filter(Boolean).join(' ') || user.email),
    h('td', { 'data-label': 'Email' }, user.email),
    h('td', { 'data-label': 'Roles' }, user.roles.map((role) => role.name).join(', ') || '—'),
    h('td', { 'data-label': 'Status' }, user.isActive ? 'Active' : h('span', { class: 'tag neutral' }, 'inactive')),
    h('td', { class: 'row-actions' },
      h('button', {
        type: 'button', class: 'secondary', 'data-action': 'roles', onclick: () => changeRoles(user, roles),
      }, 'Roles'),
      h('button', {
        type: 'button', class: 'secondary', 'data-action': 'toggle', onclick: () => setActive(user, !user.isActive),
      }, user.isActive ? 'Deactivate' : 'Activate'),
      h('button', {
        type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => removeUser(user),
      }, 'Delete'))));
  const invite = submitting(h('form', { id: 'invite', novalidate: true },
    h('h2', {}, 'Invite an admin'),
    h('div', { class: 'filters' },
      field('First name', 'firstname', { required: true }),
      field('Last name', 'lastname', {}),
      field('Email', 'email', { type: 'email', required: true })),
    roleBoxes(roles),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Invite'))),
  async (entered, _, form) => {
    const body = {
      firstname: entered.firstname,
      email: entered.email,
      roles: [...form.querySelectorAll('input[name=roles]:checked')].map((box) => Number(box.value)),
    };
    if (entered.lastname) body.lastname = entered.lastname;
    const made = await call('POST', '/admin/users', body);
    await usersView(h('div', { class: 'banner', role: 'status' },
      h('p', {}, h('strong', {}, `Send ${made.email} this link: they set their password there. It is shown once.`)),
      h('code', { id: 'invite-link', class: 'secret' }, inviteLink(made.registrationToken))));
  });
  show(h('section', { class: 'card' },
    h('h1', {}, 'Users'),
    h('p', { class: 'hint' }, 'An inactive admin cannot sign in, and their admin tokens are refused. '
      + 'An invited admin stays inactive until they register through their link.'),
    banner || null,
    h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
      h('thead', {}, h('tr', {}, ['Name', 'Email', 'Roles', 'Status', 'Actions']
        .map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, rows))),
    invite));
}

/** Gives a user other roles, chosen in the dialog (never beyond the changer's own). */
async function changeRoles(user, roles) {
  const chosen = new Set(user.roles.map((role) => role.id));
  const answer = await confirmDialog(`The roles of ${user.email}:`, 'Save', roleBoxes(roles, chosen, 'dr'));
  if (!answer) return;
  try {
    await call('PUT', `/admin/users/${user.id}`, { roles: (answer.roles || []).map(Number) });
    await usersView();
    say(`Saved the roles of ${user.email}.`, 'info');
  } catch (error) {
    say(error.message);
  }
}

async function setActive(user, active) {
  try {
    await call('PUT', `/admin/users/${user.id}`, { isActive: active });
    await usersView();
    say(`${user.email} is ${active ? 'active' : 'inactive'} now.`, 'info');
  } catch (error) {
    say(error.message);
  }
}

async function removeUser(user) {
  if (!(await confirmDialog(`Delete ${user.email}? Their sessions and admin tokens are deleted too.`, 'Delete'))) return;
  try {
    await call('DELETE', `/admin/users/${user.id}`);
    await usersView();
    say(`Deleted ${user.email}.`, 'info');
  } catch (error) {
    say(error.message);
  }
}

export async function rolesView() {
  const roles = await call('GET', '/admin/roles');
  show(h('section', { class: 'card' },
    h('h1', {}, 'Roles'),
    h('p', { class: 'hint' }, 'What the admins of each role may do.'),
    h('ul', { class: 'roles' }, roles.map((role) => h('li', { 'data-role': role.code },
      h('a', { href: `#/roles/${role.id}` }, role.name), ': ', role.description)))));
}

/** One role's permissions, as a grid: `held` are the signed-in admin's actions, the most they
 * may give; an action only the role holds can be taken away, not given back. */
export async function roleView(id, held) {
  const roles = await call('GET', '/admin/roles');
  const role = roles.find((r) => String(r.id) === id);
  if (!role) throw new Error('This role does not exist.');
  const permissions = await call('GET', `/admin/roles/${role.id}/permissions`);
  const granted = new Set(permissions.map((p) => p.action));
  const ownOnly = new Set(permissions.filter((p) => p.conditions.includes(IS_CREATOR)).map((p) => p.action));
  // Every admin action is the Super Admin's: the grid offers them all, those beyond what the
  // signed-in admin holds shown but not offered.
  const everything = await call('GET', `/admin/roles/${roles.find((r) => r.code === SUPER_ADMIN).id}/permissions`);
  const catalogue = [...new Set([...everything.map((p) => p.action), ...held, ...granted])].sort();
  const heading = h('h1', {}, role.name);
  if (role.code === SUPER_ADMIN) {
    show(h('section', { class: 'card' }, heading,
      h('p', {}, 'The Super Admin role holds every permission; it cannot be edited.'),
      h('p', {}, h('a', { href: '#/roles' }, 'Back to the roles'))));
    return;
  }
  const form = guard(h('form', {},
    h('fieldset', { class: 'permissions' },
      h('legend', {}, 'Permissions'),
      adminGroups(catalogue).map(([subject, actions]) => h('div', { class: 'permission-group' },
        h('h2', {}, subject),
        selectAll(`all-of-${subject}`, 'all', (box) => !box.disabled && actions.some(([action]) => action === box.value)),
        actions.map(([action, verb]) => actionBox(action, verb, granted, {
          disabled: !held.has(action) && !granted.has(action),
          note: ownOnly.has(action) ? 'own entries only' : (held.has(action) ? null : 'beyond your own'),
        })))),
      h('small', { class: 'field-error', 'data-error-for': 'permissions' })),
    h('div', { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/roles' }, 'Back to the roles'),
      h('button', { type: 'submit' }, 'Save'))));
  submitting(form, async () => {
    // An action keeps its condition (Strapi's "own entries only") when it stays ticked.
    const body = ticked(form).map((action) => (ownOnly.has(action) ? { action, conditions: [IS_CREATOR] } : action));
    await call('PUT', `/admin/roles/${role.id}/permissions`, { permissions: body });
    await roleView(id, held);
    say(`Saved the permissions of ${role.name}.`, 'info');
  });
  show(h('section', { class: 'card' },
    heading,
    h('p', { class: 'hint' }, `${role.description} You can give only what you hold yourself; `
      + 'an action marked "beyond your own" can be taken away, not given.'),
    form));
}
