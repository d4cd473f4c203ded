"""Settings: bad values stop start-up with one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfleet.config import SettingsError, load_settings


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"playback_secret": "too-short"}, "STREAMFLEET_PLAYBACK_SECRET: Value error, must be 32"),
        ({"playback_secret": "a$" * 20}, "STREAMFLEET_PLAYBACK_SECRET: Value error, must be 32"),
        ({"playback_token_ttl_s": 29}, "STREAMFLEET_PLAYBACK_TOKEN_TTL_S: Input should be greater"),
        (
            {"playback_token_ttl_s": 10**20},
            "STREAMFLEET_PLAYBACK_TOKEN_TTL_S: Input should be less",
        ),
    ],
)
def test_a_bad_playback_setting_names_its_variable(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir=tmp_path, **overrides)
    assert message in str(caught.value)
    assert "a$a$" not in str(caught.value)  # the refused secret is not echoed


def test_playback_signing_is_off_by_default_with_an_hour_of_ttl(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.playback_signing is False
    assert settings.playback_secret is None
    assert settings.playback_token_ttl_s == 3600


def test_the_s3_settings_keep_the_secret_hidden(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        s3_endpoint_url="http://127.0.0.1:9000",
        s3_bucket="fleet",
        s3_region="us-east-1",
        s3_access_key_id="AKIAEXAMPLE",
        s3_secret_access_key="wJalrXUtnFEMI-example-secret",
    )
    connection = settings.s3_connection
    assert connection.endpoint_url == "http://127.0.0.1:9000"
    assert connection.secret_access_key is not None
    assert connection.secret_access_key.get_secret_value() == "wJalrXUtnFEMI-example-secret"
    for text in (repr(settings), str(settings), settings.model_dump_json(), repr(connection)):
        assert "wJalrXUtnFEMI" not in text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"backup_to_s3": True}, "backup_to_s3 needs s3_bucket (STREAMFLEET_S3_BUCKET)"),
        ({"thumbnails_to_s3": True}, "thumbnails_to_s3 needs s3_bucket (STREAMFLEET_S3_BUCKET)"),
        ({"s3_access_key_id": "AKIA"}, "s3_access_key_id and s3_secret_access_key go together"),
        ({"s3_secret_access_key": "s3cr3t"}, "s3_access_key_id and s3_secret_access_key go"),
    ],
)
def test_incomplete_s3_settings_stop_start_up(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir=tmp_path, **overrides)
    assert message in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
