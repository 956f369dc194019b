DROP TABLE admin_sessions;
DROP TABLE admin_users_roles;
DROP TABLE admin_users;
DROP TABLE admin_permissions;
DROP TABLE admin_roles;
