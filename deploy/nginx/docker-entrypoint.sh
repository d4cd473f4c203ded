#!/bin/sh
# Renders every /etc/nginx/templates/*.conf.template into /etc/nginx/conf.d/<name>.conf,
# then runs the command (nginx in the foreground). As the official nginx image does, with
# one difference: only the upper-case variables a template names (${NGINX_…},
# ${STREAMFLEET_…}) are substituted, so nginx's own $host and $uri stay as they are, and a
# variable the template names but the environment lacks stops the start with its name.
# The main-context templates (/etc/nginx/main-templates: RTMP push ingest) are rendered the
# same way into /etc/nginx/main.d/, which the image's nginx.conf includes outside `http {}`.
# STREAMFLEET_PLAYBACK_SIGNING defaults to off and STREAMFLEET_PLAYBACK_SECRET to empty;
# NGINX_RTMP_PORT to 1935, STREAMFLEET_RTMP_APP to live, NGINX_RTMP_PLAY_ALLOW to 127.0.0.1
# and STREAMFLEET_RTMP_HOOK_SECRET to empty (streamfleet then refuses every push).
# NGINX_TEMPLATE_DIR, NGINX_OUTPUT_DIR, NGINX_MAIN_TEMPLATE_DIR and NGINX_MAIN_OUTPUT_DIR
# move the four directories (the tests use them).
set -eu

template_dir=${NGINX_TEMPLATE_DIR:-/etc/nginx/templates}
output_dir=${NGINX_OUTPUT_DIR:-/etc/nginx/conf.d}
main_template_dir=${NGINX_MAIN_TEMPLATE_DIR:-/etc/nginx/main-templates}
main_output_dir=${NGINX_MAIN_OUTPUT_DIR:-/etc/nginx/main.d}
export STREAMFLEET_PLAYBACK_SIGNING="${STREAMFLEET_PLAYBACK_SIGNING:-off}"
export STREAMFLEET_PLAYBACK_SECRET="${STREAMFLEET_PLAYBACK_SECRET:-}"
export NGINX_RTMP_PORT="${NGINX_RTMP_PORT:-1935}"
export STREAMFLEET_RTMP_APP="${STREAMFLEET_RTMP_APP:-live}"
export NGINX_RTMP_PLAY_ALLOW="${NGINX_RTMP_PLAY_ALLOW:-127.0.0.1}"
export STREAMFLEET_RTMP_HOOK_SECRET="${STREAMFLEET_RTMP_HOOK_SECRET:-}"

# The rendered files may hold the playback or hook secret: readable by their owner only.
umask 077
render() {
    for template in "$1"/*.conf.template; do
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
        target="$2/$(basename "$template" .template)"
        envsubst "$shell_format" <"$template" >"$target"
        echo "rendered $template into $target" >&2
    done
}

render "$template_dir" "$output_dir"
render "$main_template_dir" "$main_output_dir"

exec "$@"
