#!/usr/bin/env bash
# `make run`: private database (unless DATABASE_URL is set), migrations, then the portal.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/centralita

started_db=""
cleanup() {
  if [ -n "${serve_pid:-}" ] && kill -0 "$serve_pid" 2>/dev/null; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  if [ -n "${agent_pid:-}" ] && kill -0 "$agent_pid" 2>/dev/null; then kill -TERM "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [ -n "$started_db" ]; then scripts/private-db.sh stop || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/private-db.sh start | tail -n 1)
  started_db=1
fi
export DATABASE_URL

"$bin" migrate

# A demo tenant and admin, created once per database; the credentials are kept (mode 600) in
# .data/demo-credentials so that every later `make run` can print them again.
creds=.data/demo-credentials
mkdir -p .data
if ! { [ -f "$creds" ] && grep -qxF "url=$DATABASE_URL" "$creds"; }; then
  tenant=$("$bin" tenant create --name "Demo Company" --alias demo --timezone Europe/Madrid --language es | tail -n 1) || {
    echo "Could not create the demo tenant (does the alias demo already exist in this database?)" >&2; exit 1; }
  out=$("$bin" user create --tenant "$tenant" --role admin --username "demo.admin" --first-name Demo --last-name Admin) || {
    echo "Could not create the demo admin" >&2; exit 1; }
  password=$(sed -n 's/^password: //p' <<<"$out")
  signin=$(sed -n 's/^sign in as: //p' <<<"$out")
  umask 077
  printf 'url=%s\ntenant=%s\nusername=demo.admin\npassword=%s\nsignin=%s\n' "$DATABASE_URL" "$tenant" "$password" "$signin" > "$creds"
fi
# Usernames are unique per tenant: sign in as username@organisation (older credential files,
# from before the demo tenant had an alias, sign in with the bare username).
demo_user=$(sed -n 's/^signin=//p' "$creds")
[ -n "$demo_user" ] || demo_user=$(sed -n 's/^username=//p' "$creds")
demo_password=$(sed -n 's/^password=//p' "$creds")
demo_tenant=$(sed -n 's/^tenant=//p' "$creds")
# A local media agent: applies the demo tenant's bundles under .data/media/asterisk (no
# Asterisk here, so no reload command). Registered as the media node "local".
media=.data/media
mkdir -p "$media/asterisk"
if [ ! -s "$media/secret" ]; then (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$media/secret"); fi
agent_port=${CENTRALITA_AGENT_PORT:-8090}
.build/release/centralita-media-agent --port "$agent_port" --config-dir "$media/asterisk" --secret-file "$media/secret" >> "$media/agent.log" 2>&1 &
agent_pid=$!
"$bin" media-node add --name local --url "http://127.0.0.1:$agent_port" --secret-file "$media/secret" --tenant "$demo_tenant" > /dev/null
host=${CENTRALITA_HOST:-127.0.0.1}
port=${CENTRALITA_PORT:-8080}
cat <<MSG

  Centralita is starting.
    URL:           http://$host:$port
    DATABASE_URL:  $DATABASE_URL
    Demo tenant:   $demo_tenant
    Demo admin:    $demo_user / $demo_password  (username@organisation; or the organisation field)
    Media agent:   http://127.0.0.1:$agent_port → $media/asterisk/tenants (log: $media/agent.log)
  Press Ctrl-C to stop (the private database stops with it).

MSG
"$bin" serve &
serve_pid=$!
wait "$serve_pid"
