-- SQL-declared operations of pg-frontend's tests.

-- operation: get
-- params: key text
-- returns: row
SELECT key, value FROM fetest.kv WHERE key = :key;

-- operation: set
-- params: key text, value bigint
-- returns: row
-- expect: 1
INSERT INTO fetest.kv (key, value) VALUES (:key, :value)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
RETURNING key, value;
