"""The nginx template names exactly its documented variables, and renders like envsubst."""

from __future__ import annotations

from tests.support.nginx import TEMPLATE, TEMPLATE_VARIABLES, render_template, template_names

VALUES = {name: f"<{name.lower()}>" for name in TEMPLATE_VARIABLES}


def test_the_template_uses_exactly_the_documented_variables() -> None:
    assert template_names(TEMPLATE.read_text()) == set(TEMPLATE_VARIABLES)


def test_rendering_replaces_every_variable_and_leaves_nginx_variables_alone() -> None:
    rendered = render_template(TEMPLATE.read_text(), VALUES)
    assert template_names(rendered) == set()
    assert "server <streamfleet_api_upstream>;" in rendered
    assert "return 301 https://$host:<nginx_https_port>$request_uri;" in rendered


def test_rendering_substitutes_only_the_listed_names() -> None:
    text = "a ${ONE} $ONE $ONEMORE ${TWO} $host"
    assert render_template(text, {"ONE": "1"}) == "a 1 1 $ONEMORE ${TWO} $host"
