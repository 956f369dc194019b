//! The system tables, kept by hand in portable SQL types (see the migrations of each dialect).

diesel::table! {
    admin_roles (id) {
        id -> Integer,
        code -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    admin_permissions (id) {
        id -> Integer,
        role_id -> Integer,
        action -> Text,
        conditions -> Text,
    }
}

diesel::table! {
    admin_users (id) {
        id -> Integer,
        firstname -> Text,
        lastname -> Nullable<Text>,
        email -> Text,
        password_hash -> Text,
        is_active -> Bool,
        blocked -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        registration_token_hash -> Nullable<Text>,
    }
}

diesel::table! {
    admin_users_roles (user_id, role_id) {
        user_id -> Integer,
        role_id -> Integer,
    }
}

diesel::table! {
    admin_sessions (id) {
        id -> Text,
        user_id -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    content_types (uid) {
        uid -> Text,
        table_name -> Text,
        schema -> Text,
        known_columns -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        kind -> Text,
        name -> Text,
        description -> Text,
        #[sql_name = "type"]
        token_type -> Text,
        access_key_hash -> Text,
        salt_version -> Text,
        encrypted_key -> Nullable<Text>,
        lifespan -> Nullable<BigInt>,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        last_used_ip -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        previous_key_hash -> Nullable<Text>,
        previous_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_token_permissions (id) {
        id -> Integer,
        token_id -> Integer,
        action -> Text,
    }
}

diesel::table! {
    api_token_policies (token_id) {
        token_id -> Integer,
        allowed_ips -> Text,
        rate_limit -> Nullable<Integer>,
    }
}

diesel::table! {
    api_token_owners (token_id) {
        token_id -> Integer,
        user_id -> Integer,
    }
}

diesel::table! {
    audit_logs (id) {
        id -> Integer,
        created_at -> Timestamp,
        event -> Text,
        actor -> Nullable<Text>,
        token_id -> Nullable<Integer>,
        status -> Nullable<Integer>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        client_id -> Nullable<Text>,
        details -> Text,
    }
}

diesel::joinable!(api_token_owners -> api_tokens (token_id));
diesel::joinable!(api_token_permissions -> api_tokens (token_id));
diesel::joinable!(api_token_policies -> api_tokens (token_id));
diesel::joinable!(admin_permissions -> admin_roles (role_id));
diesel::joinable!(admin_sessions -> admin_users (user_id));
diesel::joinable!(admin_users_roles -> admin_users (user_id));
diesel::joinable!(admin_users_roles -> admin_roles (role_id));

diesel::allow_tables_to_appear_in_same_query!(
    admin_roles,
    admin_permissions,
    admin_users,
    admin_users_roles,
    admin_sessions,
    content_types,
    api_tokens,
    api_token_permissions,
    api_token_policies,
    api_token_owners,
    audit_logs,
);
