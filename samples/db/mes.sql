-- MES DB: one production job per accepted order.
CREATE TABLE IF NOT EXISTS jobs (
  order_id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, items int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
