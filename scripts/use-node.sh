# Source it (`. scripts/use-node.sh`, or `SHOP_OTEL_NODE=22 . scripts/use-node.sh`): puts the Node
# that shop-otel needs first on PATH, provisioned by scripts/node.sh (default 24, the active LTS),
# so that `node`, `npm` and `npx` run on it. The project's own scripts source it first thing.
_shop_otel_node=$(bash "$(dirname "${BASH_SOURCE[0]}")/node.sh" "${SHOP_OTEL_NODE:-24}") || return 1
case ":$PATH:" in *":$(dirname "$_shop_otel_node"):"*) ;; *) export PATH="$(dirname "$_shop_otel_node"):$PATH" ;; esac
unset _shop_otel_node
