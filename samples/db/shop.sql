-- Shop DB: customers (the CRM's), products, orders and their items, customer interactions.
CREATE TABLE IF NOT EXISTS customers (
  id text PRIMARY KEY, name text NOT NULL, email text NOT NULL, phone text, address text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS products (sku text PRIMARY KEY, name text NOT NULL, price_cents int NOT NULL, stock int NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  id text PRIMARY KEY, customer_id text NOT NULL REFERENCES customers(id), status text NOT NULL,
  total_cents int NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS order_items (order_id text NOT NULL REFERENCES orders(id), sku text NOT NULL, quantity int NOT NULL, model_file_id text);
CREATE TABLE IF NOT EXISTS interactions (
  id bigserial PRIMARY KEY, customer_id text NOT NULL, order_id text, kind text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orders_customer ON orders(customer_id);
INSERT INTO products (sku, name, price_cents, stock) VALUES
  ('vase-01', 'Spiral vase', 2400, 1000000), ('lamp-02', 'Voronoi lamp shade', 5600, 1000000),
  ('gear-03', 'Planetary gear set', 1800, 1000000), ('bust-04', 'Custom bust', 12900, 1000000),
  ('case-05', 'Phone case', 1500, 1000000), ('mini-06', 'Tabletop miniature', 900, 1000000),
  ('hook-07', 'Wall hook', 400, 1000000), ('box-08', 'Hinged box', 2100, 1000000)
ON CONFLICT (sku) DO NOTHING;
INSERT INTO customers (id, name, email, phone, address)
SELECT 'cust-' || lpad(i::text, 4, '0'),
       (ARRAY['Anna','Boris','Chen','Dana','Emil','Farah','Goran','Hana'])[1 + i % 8] || ' ' || (ARRAY['Ivanova','Smith','Li','Kowalski','Novak','Haddad','Petrov','Sato'])[1 + (i / 8) % 8],
       'customer' || i || '@example.com', '+1 555 01' || lpad((i % 100)::text, 2, '0') || ' ' || lpad(i::text, 4, '0'),
       i || ' Printer Lane'
FROM generate_series(1, 300) AS i
ON CONFLICT (id) DO NOTHING;
