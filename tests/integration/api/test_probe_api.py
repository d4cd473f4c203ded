"""``POST /api/v1/probe`` reports what a real source carries, or why it cannot be read."""

from __future__ import annotations

from tests.support.media import Feeders, channel_url, free_udp_port
from tests.support.server import ApiClient


async def test_a_live_udp_source_reports_its_h264_video_and_aac_audio(
    engine_api: ApiClient, feeders: Feeders
) -> None:
    """The probe opens the source with the channel's input options and lists its streams."""
    feeder = await feeders.start()
    response = await engine_api.post("/api/v1/probe", json={"url": channel_url(feeder)})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True
    assert report["format"] == "mpegts"
    kinds = {stream["kind"]: stream for stream in report["streams"]}
    assert kinds["video"]["codec"] == "h264"
    assert (kinds["video"]["width"], kinds["video"]["height"]) == (640, 360)
    assert kinds["audio"]["codec"] == "aac"


async def test_a_silent_source_reports_why_it_cannot_be_read(engine_api: ApiClient) -> None:
    """Nothing listens: the answer is 200 with ok false and FFmpeg's reason, not a hang."""
    response = await engine_api.post(
        "/api/v1/probe", json={"url": f"udp://127.0.0.1:{free_udp_port()}"}
    )
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is False
    assert report["streams"] == []
    assert report["error"]


async def test_a_local_file_url_is_refused_naming_the_field(engine_api: ApiClient) -> None:
    """The URL policy applies before any process starts."""
    response = await engine_api.post("/api/v1/probe", json={"url": "file:///etc/passwd"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "url"


async def test_without_an_engine_in_the_process_the_probe_is_unavailable(api: ApiClient) -> None:
    """The engine probes sources; an API node without one answers 503, not a local FFmpeg."""
    response = await api.post("/api/v1/probe", json={"url": "udp://127.0.0.1:1234"})
    assert response.status_code == 503
