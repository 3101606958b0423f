/** The small schema local mode replicates: two related tables with primary keys and common types. */
export const DEMO_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS shop;
CREATE TABLE IF NOT EXISTS shop.customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS shop.orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES shop.customers (id),
  amount numeric(12, 2) NOT NULL,
  status text NOT NULL DEFAULT 'new',
  note text,
  placed_at timestamptz NOT NULL DEFAULT now()
);`;

/** One demo transaction: a customer and a few orders, with a quote in the note to exercise escaping. */
export const DEMO_TRANSACTION_SQL = `
WITH c AS (
  INSERT INTO shop.customers (email, name)
  VALUES ('customer' || $1 || '@example.com', 'Customer ' || $1)
  RETURNING id
)
INSERT INTO shop.orders (customer_id, amount, note)
SELECT c.id, round((random() * 500)::numeric, 2), 'order ' || g || ' of customer''s batch ' || $1
  FROM c, generate_series(1, 3) g`;
