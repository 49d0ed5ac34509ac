-- The request mix for saturation runs: POST /orders and GET /orders/<seeded id>, alternating.
local n = 0
local body = '{"customerId":"cust-0042","email":"jane.doe@example.com","items":[{"sku":"PLA-RED-1KG","qty":2,"price":19.9},{"sku":"PRINT-SVC","qty":1,"price":35}]}'
local post, get
-- Built in init(), once wrk has set the Host header (Node answers 400 without one).
init = function()
  post = wrk.format("POST", "/orders", { ["Content-Type"] = "application/json" }, body)
  get = wrk.format("GET", "/orders/ord_seed_0001", nil, nil)
end
request = function()
  n = n + 1
  if n % 2 == 1 then return post end
  return get
end
