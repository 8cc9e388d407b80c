#!/bin/sh
# serve.sh ADDR: serve the AuthZEN interop "Todo" scenario with azgate on
# ADDR (host:port). The first line printed is a bearer token for the PEP
# (the Todo backend, or the interop test harness); azgate then serves in the
# foreground until interrupted. $AZGATE names the azgate binary (default:
# azgate on $PATH); the store and directory are copied into a fresh data
# directory, so the example's own files stay as shipped.
set -eu
addr=${1:?usage: serve.sh ADDR (e.g. 127.0.0.1:8080)}
here=$(cd "$(dirname "$0")" && pwd)
azgate=${AZGATE:-azgate}
data=$(mktemp -d "${TMPDIR:-/tmp}/azgate-todo.XXXXXX")
cp "$here/TodoStore.xml" "$data/TodoStore.xml"
cp "$here/directory.json" "$data/directory.json"
chmod 600 "$data/directory.json"
"$azgate" user token create pep interop --data-dir "$data"
exec "$azgate" serve --store "msxml://$data/TodoStore.xml" --data-dir "$data" \
	--listen "$addr" --authzen-application Todo
