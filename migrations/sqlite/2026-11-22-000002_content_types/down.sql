DROP TABLE content_types;
