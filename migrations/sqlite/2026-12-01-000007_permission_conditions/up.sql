-- Strapi's permission conditions: a role may grant an action only on what the admin created
-- (`["admin::is-creator"]`), as the Author role does for the content manager.
ALTER TABLE admin_permissions ADD COLUMN conditions TEXT NOT NULL DEFAULT '[]';
UPDATE admin_permissions SET conditions = '["admin::is-creator"]'
WHERE action LIKE 'plugin::content-manager.explorer.%'
  AND role_id IN (SELECT id FROM admin_roles WHERE code = 'strapi-author');
