//! Server functions of the Assets page: inventory list, detail, sensitive data tab, OpenAPI export/import, template corrections (issues 4, 5).
