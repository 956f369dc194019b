-- Admin accounts, their roles and permissions, and their sessions.
CREATE TABLE admin_roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE admin_permissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    role_id INTEGER NOT NULL REFERENCES admin_roles (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    UNIQUE (role_id, action)
);

CREATE TABLE admin_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    firstname TEXT NOT NULL,
    lastname TEXT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE admin_users_roles (
    user_id INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES admin_roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE admin_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX admin_sessions_user_id ON admin_sessions (user_id);
CREATE INDEX admin_users_roles_role_id ON admin_users_roles (role_id);
