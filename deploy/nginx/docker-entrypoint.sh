#!/bin/sh
# Renders every /etc/nginx/templates/*.conf.template into /etc/nginx/conf.d/<name>.conf,
# then runs the command (nginx in the foreground). As the official nginx image does, with
# one difference: only the upper-case variables a template names (${NGINX_…},
# ${STREAMFLEET_…}) are substituted, so nginx's own $host and $uri stay as they are, and a
# variable the template names but the environment lacks stops the start with its name.
# STREAMFLEET_PLAYBACK_SIGNING defaults to off and STREAMFLEET_PLAYBACK_SECRET to empty.
# NGINX_TEMPLATE_DIR and NGINX_OUTPUT_DIR move the two directories (the tests use them).
set -eu

template_dir=${NGINX_TEMPLATE_DIR:-/etc/nginx/templates}
output_dir=${NGINX_OUTPUT_DIR:-/etc/nginx/conf.d}
export STREAMFLEET_PLAYBACK_SIGNING="${STREAMFLEET_PLAYBACK_SIGNING:-off}"
export STREAMFLEET_PLAYBACK_SECRET="${STREAMFLEET_PLAYBACK_SECRET:-}"

# The rendered files may hold the playback secret: readable by their owner only.
umask 077
for template in "$template_dir"/*.conf.template; do
    [ -e "$template" ] || continue
    # Every $NAME or ${NAME} in upper case (the characters removed are "$" and "{").
    names=$(grep -oE '\$\{?[A-Z_][A-Z0-9_]*' "$template" | tr -d '$\173' | sort -u)
    shell_format=""
    for name in $names; do
        if ! printenv "$name" >/dev/null; then
            echo "$template names \$$name, which is not set" >&2
            exit 1
        fi
        shell_format="$shell_format \${$name}"
    done
    target="$output_dir/$(basename "$template" .template)"
    envsubst "$shell_format" <"$template" >"$target"
    echo "rendered $template into $target" >&2
done

exec "$@"
