"""Dangerous edits of the shipped src/conf and the exact problems each must raise (issue 14).

Shared by the exact-message tests and the fuzz test. Each case: (id, file, old text, new text;
old None = the file's whole new text). Paths in the expected messages are relative to the
config folder."""

from __future__ import annotations

GOLD = "gold/team_a_products_with_image.yml"
GOLD_SQL = "  FROM silver.product_catalog\n"
CASES: list[tuple[str, str, str | None, str]] = [
    ("gold_bronze_pii", GOLD, GOLD_SQL, "  FROM bronze_pii.customer_feed\n"),
    ("gold_bronze_pii_backticks", GOLD, GOLD_SQL, "  FROM `bronze_pii`.`customer_feed`\n"),
    ("gold_bronze_pii_one_name", GOLD, GOLD_SQL, "  FROM `bronze_pii.customer_feed`\n"),
    ("gold_landing_arrival", GOLD, GOLD_SQL, "  FROM landing_team_b.customers\n"),
    ("gold_landing_one_name", GOLD, GOLD_SQL, "  FROM `landing_team_b.customers`\n"),
    ("gold_secret", GOLD, "SELECT brand,", "SELECT secret('pii', 'token_key') AS k, brand,"),
    (
        "gold_reflect",
        GOLD,
        "SELECT brand,",
        "SELECT reflect('java.lang.System', 'getenv') AS e, brand,",
    ),
    ("gold_unparsable", GOLD, "SELECT brand,", "SELEC brand,"),
    ("gold_form", GOLD, "  FROM silver", "  FORM silver"),
    (
        "gold_drop",
        GOLD,
        "  SELECT brand, category_id, comment, currency, description, image, year_release\n  FROM silver.product_catalog\n  WHERE image IS NOT NULL\n",
        "  DROP TABLE silver.product_catalog\n",
    ),
    (
        "gold_two_statements",
        GOLD,
        "  WHERE image IS NOT NULL\n",
        "  WHERE image IS NOT NULL;\n  SELECT 1\n",
    ),
    (
        "gold_sql_file_passwd",
        GOLD,
        None,
        "name: team_a_products_with_image\ndescription: x\nowner: team_catalog\nsql_file: ../../../../etc/passwd\n",
    ),
    (
        "gold_sql_file_proc",
        GOLD,
        None,
        "name: team_a_products_with_image\ndescription: x\nowner: team_catalog\nsql_file: /proc/self/environ\n",
    ),
    (
        "rule_unparsable",
        "sources/product_catalog.yml",
        "expr: year_release IS NULL OR year_release BETWEEN 1900 AND 2100",
        "expr: brand >",
    ),
    (
        "rule_eq_eq",
        "sources/product_catalog.yml",
        "expr: year_release IS NULL OR year_release BETWEEN 1900 AND 2100",
        "expr: brand = = 'x'",
    ),
    (
        "derive_bronze_pii",
        "sources/hotel_reservations.yml",
        "    nights: no_of_weekend_nights + no_of_week_nights",
        "    nights: (SELECT max(email) FROM `bronze_pii`.customer_feed)",
    ),
    (
        "derive_secret",
        "sources/hotel_reservations.yml",
        "    nights: no_of_weekend_nights + no_of_week_nights",
        "    nights: secret('crm', 'password')",
    ),
    (
        "rule_java_method",
        "sources/orders_cdc.yml",
        "expr: amount > 0",
        "expr: java_method('java.lang.Runtime', 'getRuntime') IS NOT NULL",
    ),
    (
        "jdbc_url_password",
        "sources/crm_customers.yml",
        "url: {secret: crm/jdbc_url}",
        "url: 'jdbc:postgresql://db:5432/crm?user=etl&password=hunter2'",
    ),
    (
        "jdbc_sslpassword",
        "sources/crm_customers.yml",
        "  partitioning:",
        "  options: {sslpassword: hunter2}\n  partitioning:",
    ),
    (
        "rest_x_auth_token",
        "sources/room_rates.yml",
        "  rate_limit_per_second: 10",
        "  headers: {X-Auth-Token: abc}",
    ),
    (
        "rest_api_key_header",
        "sources/room_rates.yml",
        "  rate_limit_per_second: 10",
        "  headers: {Api-Key: abc}",
    ),
    (
        "rest_proxy_auth",
        "sources/room_rates.yml",
        "  rate_limit_per_second: 10",
        "  headers: {Proxy-Authorization: Basic abc}",
    ),
    (
        "rest_url_api_key",
        "sources/room_rates.yml",
        "url: {secret: rates_api/url}",
        "url: 'https://rates.example.com/v2?api_key=abc'",
    ),
    (
        "rest_url_userinfo",
        "sources/room_rates.yml",
        "url: {secret: rates_api/url}",
        "url: 'https://etl:hunter2@rates.example.com/v2'",
    ),
    (
        "rest_param_token",
        "sources/room_rates.yml",
        "  rate_limit_per_second: 10",
        "  params: {access_token: abc}",
    ),
    (
        "entity_pii_id",
        "entities/customers.yml",
        "  - source: customer_feed        # (PII columns hold their raw standardised values here)\n    id: customer_id",
        "  - source: customer_feed\n    id: email",
    ),
    (
        "entity_lambda_shadow",
        "entities/customers.yml",
        "      postcode: postcode",
        "      postcode: concat(postcode, transform(array(1), email -> email)[0])",
    ),
    (
        "source_reads_other_landing",
        "sources/product_catalog.yml",
        "path: product_catalog/*.csv",
        "path: customer_feed/*.csv",
    ),
    (
        "source_landing_root",
        "sources/product_catalog.yml",
        "path: product_catalog/*.csv",
        "path: ''",
    ),
    (
        "source_landing_star",
        "sources/product_catalog.yml",
        "path: product_catalog/*.csv",
        "path: '*'",
    ),
    (
        "access_scientists_pii",
        "access.yml",
        "read: [silver, gold]",
        "read: [silver, gold, bronze_pii]",
    ),
    ("access_bi_silver", "access.yml", "    read: [gold]", "    read: [gold, silver]"),
    (
        "access_users",
        "access.yml",
        "  - name: bi_readers",
        "  - name: users\n    read: [gold]\n  - name: bi_readers",
    ),
    (
        "access_account_users",
        "access.yml",
        "pipelines_principal: lakehouse-pipelines",
        "pipelines_principal: account users",
    ),
    (
        "access_empty_principal",
        "access.yml",
        "pipelines_principal: lakehouse-pipelines",
        "pipelines_principal: ''",
    ),
]

EXPECTED: dict[str, list[str]] = {
    "gold_bronze_pii": [
        "gold/team_a_products_with_image.yml:6:1: sql: reads 'bronze_pii.customer_feed': raw PII (bronze_pii) is not readable from config SQL; read the masked bronze or silver table"
    ],
    "gold_landing_arrival": [
        "gold/team_a_products_with_image.yml:6:1: sql: reads 'landing_team_b.customers': an undeclared arrival, held back for its team, is not readable from config SQL; declare its source (a run proposes it), then read silver"
    ],
    "gold_landing_one_name": [
        "gold/team_a_products_with_image.yml:6:1: sql: reads 'landing_team_b.customers': an undeclared arrival, held back for its team, is not readable from config SQL; declare its source (a run proposes it), then read silver"
    ],
    "gold_bronze_pii_backticks": [
        "gold/team_a_products_with_image.yml:6:1: sql: reads 'bronze_pii.customer_feed': raw PII (bronze_pii) is not readable from config SQL; read the masked bronze or silver table"
    ],
    "gold_bronze_pii_one_name": [
        "gold/team_a_products_with_image.yml:6:1: sql: reads 'bronze_pii.customer_feed': raw PII (bronze_pii) is not readable from config SQL; read the masked bronze or silver table"
    ],
    "gold_secret": [
        "gold/team_a_products_with_image.yml:6:1: sql: calls secret(): not allowed in config SQL (it reaches outside the declared tables)"
    ],
    "gold_reflect": [
        "gold/team_a_products_with_image.yml:6:1: sql: calls reflect(): not allowed in config SQL (it reaches outside the declared tables)"
    ],
    "gold_unparsable": [
        "gold/team_a_products_with_image.yml:6:1: sql: invalid SQL: unexpected token at line 1, column 12 near ','"
    ],
    "gold_form": [
        "gold/team_a_products_with_image.yml:7:1: sql: invalid SQL: unexpected token at line 2, column 11 near 'silver'"
    ],
    "gold_drop": [
        "gold/team_a_products_with_image.yml:5:1: sql: must be one query (SELECT ...), got a DROP statement"
    ],
    "gold_two_statements": [
        "gold/team_a_products_with_image.yml:6:1: sql: must be one query, got 2 statements"
    ],
    "gold_sql_file_passwd": [
        "gold/team_a_products_with_image.yml:4:1: sql_file: must be a file inside the config folder {conf}, got '../../../../etc/passwd'"
    ],
    "gold_sql_file_proc": [
        "gold/team_a_products_with_image.yml:4:1: sql_file: must be a file inside the config folder {conf}, got '/proc/self/environ'"
    ],
    "rule_unparsable": [
        "sources/product_catalog.yml:33:5: quality[0].expr: invalid SQL: incomplete expression at line 1, column 7 near '>'"
    ],
    "rule_eq_eq": [
        "sources/product_catalog.yml:33:5: quality[0].expr: invalid SQL: incomplete expression at line 1, column 9 near '='"
    ],
    "derive_bronze_pii": [
        "sources/hotel_reservations.yml:47:5: silver.derive.nights: reads 'bronze_pii.customer_feed': raw PII (bronze_pii) is not readable from config SQL; read the masked bronze or silver table"
    ],
    "derive_secret": [
        "sources/hotel_reservations.yml:47:5: silver.derive.nights: calls secret(): not allowed in config SQL (it reaches outside the declared tables)"
    ],
    "rule_java_method": [
        "sources/orders_cdc.yml:42:5: quality[5].expr: calls java_method(): not allowed in config SQL (it reaches outside the declared tables)"
    ],
    "jdbc_url_password": [
        "sources/crm_customers.yml:11:3: source.url: holds a credential ('password=' in the URL): a config never holds a credential: use {secret: <scope>/<key>} for the URL, or source.password"
    ],
    "jdbc_sslpassword": [
        "sources/crm_customers.yml:16:3: source.options: 'sslpassword' carries a credential: a config never holds a credential: use {secret: <scope>/<key>}"
    ],
    "rest_x_auth_token": [
        "sources/room_rates.yml:16:3: source.headers: 'X-Auth-Token' carries a credential: a config never holds a credential: use {secret: <scope>/<key>} in source.auth ({header: X-Auth-Token, scheme: '', value: {secret: <scope>/<key>}})"
    ],
    "rest_api_key_header": [
        "sources/room_rates.yml:16:3: source.headers: 'Api-Key' carries a credential: a config never holds a credential: use {secret: <scope>/<key>} in source.auth ({header: Api-Key, scheme: '', value: {secret: <scope>/<key>}})"
    ],
    "rest_proxy_auth": [
        "sources/room_rates.yml:16:3: source.headers: 'Proxy-Authorization' carries a credential: a config never holds a credential: use {secret: <scope>/<key>} in source.auth ({header: Proxy-Authorization, scheme: '', value: {secret: <scope>/<key>}})"
    ],
    "rest_url_api_key": [
        "sources/room_rates.yml:11:3: source.url: holds a credential ('api_key=' in the URL): a config never holds a credential: use {secret: <scope>/<key>}, in source.auth or for the URL"
    ],
    "rest_url_userinfo": [
        "sources/room_rates.yml:11:3: source.url: holds a credential (user:password@ in the URL): a config never holds a credential: use {secret: <scope>/<key>}, in source.auth or for the URL"
    ],
    "rest_param_token": [
        "sources/room_rates.yml:16:3: source.params: 'access_token' carries a credential: a config never holds a credential: use {secret: <scope>/<key>} in source.auth, or keep the whole URL in a secret"
    ],
    "entity_pii_id": [
        "entities/customers.yml:14:5: inputs[0].id: 'customer_feed.email' is a PII column: an id is published unmasked in silver.customers_xref.source_id; use a non-personal key"
    ],
    "entity_lambda_shadow": [
        "entities/customers.yml:22:7: inputs[0].attributes.postcode: lambda variable 'email' shadows column 'customer_feed.email': rename it"
    ],
    "source_reads_other_landing": [
        "sources/customer_feed.yml:14:3: source.path: 'customer_feed/*.csv' overlaps the files of source 'product_catalog' ('customer_feed/*.csv'): each source reads a landing folder of its own",
        "sources/product_catalog.yml:10:3: source.path: 'customer_feed/*.csv' overlaps the files of source 'customer_feed' ('customer_feed/*.csv'): each source reads a landing folder of its own",
    ],
    "source_landing_root": [
        "sources/product_catalog.yml:10:3: source.path: must start with a folder of its own under the landing root, e.g. <source>/*.csv (got '', which reads every source's files)"
    ],
    "source_landing_star": [
        "sources/product_catalog.yml:10:3: source.path: must start with a folder of its own under the landing root, e.g. <source>/*.csv (got '*', which reads every source's files)"
    ],
    "access_scientists_pii": [
        "access.yml:10:5: groups[1].read: only pii_readers may read bronze_pii (raw PII); add the people to pii_readers instead"
    ],
    "access_bi_silver": [
        "access.yml:13:5: groups[2].read: bi_readers may only read gold, not silver"
    ],
    "access_users": [
        "access.yml:11:5: groups[2].name: 'users' is account-wide (every user): declare a group of the people who need the access"
    ],
    "access_account_users": [
        "access.yml:3:1: pipelines_principal: string should match pattern '^[A-Za-z0-9][A-Za-z0-9_.@-]*$', got 'account users'"
    ],
    "access_empty_principal": [
        "access.yml:3:1: pipelines_principal: string should have at least 1 character, got ''"
    ],
}
