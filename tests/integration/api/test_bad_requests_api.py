"""Bad input at the API edge: always a 4xx problem+json naming the field, never a 500."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.support.server import ApiClient

GOOD = {"name": "News HD", "input_url": "udp://239.0.0.1:1234"}
MIB = 1024 * 1024


async def channel_count(api: ApiClient) -> int:
    total: int = (await api.get("/api/v1/channels")).json()["total"]
    return total


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"input_url": "udp://239.0.0.1:1"}, 422, "name", "is required"),
        ({"name": "x"}, 422, "input_url", "is required"),
        ({**GOOD, "input_url": "file:///etc/passwd"}, 422, "input_url", "scheme 'file'"),
        ({**GOOD, "input_url": "-f lavfi"}, 422, "input_url", "must not start with '-'"),
        ({**GOOD, "input_url": "udp://:1234"}, 422, "input_url", "must name a host"),
        ({**GOOD, "input_url": 5}, 422, "input_url", "string"),
        ({**GOOD, "backup_url": "concat:a|b"}, 422, "backup_url", "scheme 'concat'"),
        ({**GOOD, "profile": "8k"}, 422, "profile", "unknown profile"),
        ({**GOOD, "slug": "Not A Slug"}, 422, "slug", "lower-case"),
        ({**GOOD, "retention_days": -1}, 422, "retention_days", "between 1 and 3650"),
        ({**GOOD, "offline_grace_s": -1}, 422, "offline_grace_s", "between 0 and 3600"),
        ({**GOOD, "thumbnail_interval_s": 10**30}, 422, "thumbnail_interval_s", ""),
        ({**GOOD, "tags": [f"t{i}" for i in range(33)]}, 422, "tags", "at most 32"),
        ({**GOOD, "tags": ["ok", 7]}, 422, "tags.1", "string"),
        ({**GOOD, "hls": {"segment_seconds": 99}}, 422, "hls.segment_seconds", "between"),
        ({**GOOD, "hls": {"list_size": "many"}}, 422, "hls.list_size", ""),
        ({**GOOD, "hls": {"other": 1}}, 422, "hls.other", "not a known field"),
        ({**GOOD, "content_checks": ["loud"]}, 422, "content_checks.0", ""),
        ({**GOOD, "ingest_mode": "push"}, 422, "ingest_mode", ""),
        ({**GOOD, "listen_port": 10000}, 422, "listen_port", "only used with"),
        (
            {"name": "x", "ingest_mode": "listen_srt", "listen_port": 20000},
            422,
            "listen_port",
            "SRT port range",
        ),
        (
            {"name": "x", "ingest_mode": "listen_srt", "passphrase": "short"},
            422,
            "passphrase",
            "10 to 79",
        ),
        ({**GOOD, "colour": "red"}, 422, "colour", "not a known field"),
        ({**GOOD, "name": "x" * 201}, 422, "name", "at most 200"),
        ({**GOOD, "name": "bad\u0000name"}, 422, "name", "control characters"),
        ([GOOD], 422, "body", ""),
        ("just a string", 422, "body", ""),
    ],
)
async def test_a_bad_create_is_a_problem_naming_the_field_and_writes_nothing(
    api: ApiClient, body: Any, status: int, field: str, message: str
) -> None:
    response = await api.post("/api/v1/channels", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in fields, problem
    assert message in fields[field]
    assert problem["status"] == status
    assert problem["instance"] == "/api/v1/channels"
    assert await channel_count(api) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"slug": None}, "slug"),
        ({"profile": "nope"}, "profile"),
        ({"input_url": "gopher://x/"}, "input_url"),
        ({"input_url": None}, "input_url"),
        ({"retention_days": 0}, "retention_days"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_a_bad_patch_is_a_problem_and_leaves_the_channel_unchanged(
    api: ApiClient, body: dict[str, Any], field: str
) -> None:
    created = (await api.post("/api/v1/channels", json=GOOD)).json()
    response = await api.patch(f"/api/v1/channels/{created['id']}", json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await api.get(f"/api/v1/channels/{created['id']}")).json() == created


async def test_a_body_that_is_not_json_is_400(api: ApiClient) -> None:
    response = await api.post(
        "/api/v1/channels", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "the request body is not valid JSON"


async def test_a_body_in_another_format_is_415(api: ApiClient) -> None:
    response = await api.post(
        "/api/v1/channels", content=json.dumps(GOOD), headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_body_over_one_mib_is_413(api: ApiClient) -> None:
    body = json.dumps({**GOOD, "name": "x" * MIB})
    response = await api.post(
        "/api/v1/channels", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == f"request body is larger than {MIB} bytes"


async def test_a_chunked_body_over_one_mib_is_413_too(api: ApiClient) -> None:
    async def chunks() -> Any:
        for _ in range(5):
            yield b" " * (MIB // 4)
        yield json.dumps(GOOD).encode()

    response = await api.post(
        "/api/v1/channels", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_an_import_may_be_up_to_ten_mib_but_not_more(api: ApiClient) -> None:
    line = "# comment line to pad the file\n"
    nine_mib = "#EXTM3U\n" + line * (9 * MIB // len(line)) + "#EXTINF:-1,A\nudp://239.0.0.1:1\n"
    accepted = await api.post("/api/v1/channels/import", content=nine_mib.encode())
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["imported"] == 1
    too_big = await api.post("/api/v1/channels/import", content=b"#" * (10 * MIB + 1))
    assert too_big.status_code == 413


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/channels", {"limit": 0}, "limit"),
        ("/api/v1/channels", {"limit": 501}, "limit"),
        ("/api/v1/channels", {"offset": -1}, "offset"),
        ("/api/v1/channels", {"status": "sleeping"}, "status"),
        ("/api/v1/channels", {"q": "x" * 201}, "q"),
        ("/api/v1/channels/abc", {}, "channel_id"),
        ("/api/v1/events", {"since": "yesterday"}, "since"),
        ("/api/v1/events", {"since": "2026-01-01T00:00:00"}, "since"),
        ("/api/v1/events", {"limit": 1000}, "limit"),
        ("/api/v1/channels/import", {"format": "csv"}, "format"),
    ],
)
async def test_bad_query_and_path_values_are_422_naming_them(
    api: ApiClient, path: str, params: dict[str, Any], field: str
) -> None:
    method = api.post if path.endswith("import") else api.get
    response = await method(path, params=params)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def random_json(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(9 if depth < 3 else 6)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, -1, 1, 2**31, 2**63, -(2**70), 7])
    if choice == 3:
        return rng.choice([0.5, -1e308, 1e308, 3.14])
    if choice == 4:
        return rng.choice(
            ["", "x", "udp://239.0.0.1:1", "file:///etc/passwd", "\x00", "é" * 300, "-y", "copy"]
        )
    if choice == 5:
        return "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(0, 20)))
    if choice == 6:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    fields = [
        *GOOD,
        "slug",
        "tags",
        "hls",
        "profile",
        "enabled",
        "listen_port",
        "ingest_mode",
        "passphrase",
        "retention_days",
        "content_checks",
        "backup_url",
    ]
    return {rng.choice(fields): random_json(rng, depth + 1) for _ in range(rng.randrange(0, 6))}


async def test_two_hundred_random_bodies_never_cause_a_500(api: ApiClient) -> None:
    rng = random.Random(20261124)
    created = (await api.post("/api/v1/channels", json=GOOD)).json()
    for _ in range(100):
        body = random_json(rng, depth=2 if rng.random() < 0.2 else 3) or {}
        if isinstance(body, dict) and rng.random() < 0.5:
            body = {**GOOD, **body}
        for response in (
            await api.post("/api/v1/channels", json=body),
            await api.patch(f"/api/v1/channels/{created['id']}", json=body),
        ):
            assert response.status_code < 500, (body, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json"


BEYOND_64_BITS = str(2**64)


def id_operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every (method, path, parameter) of the OpenAPI document whose path has an integer id."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "path" and schema.get("type") == "integer":
                    found.append((method.upper(), path, parameter["name"]))
    return found


async def test_an_id_beyond_what_the_database_holds_is_a_422_naming_it_on_every_route(
    api: ApiClient,
) -> None:
    document = (await api.get("/api/openapi.json")).json()
    operations = id_operations(document)
    assert len(operations) >= 10
    for method, path, name in operations:
        url = path.replace("{" + name + "}", BEYOND_64_BITS)
        answer = await api.request(method, url, json={} if method in ("POST", "PATCH") else None)
        if answer.status_code == 503:  # an engine action, and no engine runs in this app
            assert "no stream engine" in answer.json()["detail"]
            continue
        assert answer.status_code == 422, (method, url, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        fields = [e["field"] for e in answer.json()["errors"]]
        # A route whose body has required fields names them too (the body sent is empty), and
        # one with two ids the other (left as its ``{template}``).
        assert name in fields, (method, url, fields)


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/events?channel_id=" + BEYOND_64_BITS,
        "/api/v1/events?offset=" + BEYOND_64_BITS,
        "/api/v1/channels?offset=" + BEYOND_64_BITS,
        "/api/v1/channels/1/events?offset=" + BEYOND_64_BITS,
    ],
)
async def test_an_integer_query_beyond_its_bound_is_a_422_naming_it(
    api: ApiClient, query: str
) -> None:
    answer = await api.get(query)
    assert answer.status_code == 422, answer.text
    field = query.rsplit("?", 1)[1].split("=")[0]
    assert [e["field"] for e in answer.json()["errors"]] == [field]


async def test_an_import_the_yaml_reader_refuses_is_a_422_and_imports_nothing(
    api: ApiClient,
) -> None:
    before = await channel_count(api)
    for body in (
        "channels:\n  - name: x\n    input_url: !!timestamp 'x'\n",
        "channels:\n  - name: x\n    tags: !!int 'abc'\n",
        '- name: "\\ud800"\n  input_url: udp://@239.1.1.1:5000\n',
    ):
        answer = await api.post(
            "/api/v1/channels/import?format=yaml",
            content=body.encode(),
            headers={"content-type": "application/yaml"},
        )
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    assert await channel_count(api) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        (
            "POST",
            "/api/v1/channels",
            '{"name": "\\ud800", "input_url": "udp://239.0.0.1:1"}',
            "name",
        ),
        (
            "POST",
            "/api/v1/channels",
            '{"name": "a", "input_url": "udp://239.0.0.1:1", "tags": ["ok", "x\\udfff"]}',
            "tags.1",
        ),
        (
            "POST",
            "/api/v1/targets",
            '{"name": "ops", "kind": "webhook", "url": "http://127.0.0.1:9/\\ud83d"}',
            "url",
        ),
    ],
)
async def test_a_lone_surrogate_in_a_json_body_is_a_422_naming_its_field(
    api: ApiClient, method: str, path: str, body: str, field: str
) -> None:
    before = await channel_count(api)
    answer = await api.request(
        method, path, content=body.encode(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert await channel_count(api) == before


async def test_a_surrogate_pair_escape_is_ordinary_text(api: ApiClient) -> None:
    body = '{"name": "Ch \\ud83d\\udcfa", "input_url": "udp://239.0.0.1:1"}'
    answer = await api.post(
        "/api/v1/channels", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "Ch \N{TELEVISION}"
