"""How this process writes and checks playback URLs (``app.state.playback``).

``Playback.of(settings)`` is built once by ``create_app``: with ``playback_signing`` on it
signs every URL the API hands out (channel ``urls``, thumbnail envelopes) and refuses
the unsigned ``/hls`` and ``/thumbs`` paths; off, it hands out unsigned URLs and still
checks signed paths when a secret is known (configured, or kept from an earlier start).
The signing itself is ``domain/playback_signing.py``; the secret file
``storage/playback_secret.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from streamfleet.config import Settings
from streamfleet.domain.errors import PlaybackDenied, PlaybackExpired
from streamfleet.domain.playback_signing import PlaybackSigner, SignedPath, Verdict
from streamfleet.storage.playback_secret import kept_secret, read_secret

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Playback:
    """Signing on or off, and the signer when a secret is known."""

    signing: bool
    signer: PlaybackSigner | None
    clock: Clock = field(default=time.time)

    @classmethod
    def of(cls, settings: Settings, clock: Clock = time.time) -> Playback:
        """Reads (signing on: creates) ``data_dir/playback-secret`` unless a secret is set."""
        configured = settings.playback_secret
        if configured is not None:
            secret: str | None = configured.get_secret_value()
        elif settings.playback_signing:
            secret = kept_secret(settings.data_dir)
        else:
            secret = read_secret(settings.data_dir)
        signer = None if secret is None else PlaybackSigner(secret, settings.playback_token_ttl_s)
        return cls(settings.playback_signing, signer, clock)

    def hls_url(self, slug: str) -> str:
        if self.signing and self.signer is not None:
            return self.signer.hls_url(slug, self.clock())
        return f"/hls/{slug}/index.m3u8"

    def thumbnail_url(self, slug: str) -> str:
        if self.signing and self.signer is not None:
            return self.signer.thumbnail_url(slug, self.clock())
        return f"/thumbs/{slug}.jpg"

    def check_unsigned(self) -> None:
        """Refuse an unsigned playback path while signing is on."""
        if self.signing:
            raise PlaybackDenied("playback is signed here: use the URL the API gives")

    def check_signed(self, signed: SignedPath, resource: str) -> None:
        """Accept ``signed`` for ``resource`` (``/hls/<slug>/``) or raise 403/410."""
        if self.signer is None:
            raise PlaybackDenied("no playback secret is set: signed paths are refused")
        verdict = self.signer.verify(signed, resource, self.clock())
        if verdict is Verdict.EXPIRED:
            raise PlaybackExpired("this signed playback URL has expired: ask the API for a new one")
        if verdict is not Verdict.VALID:
            raise PlaybackDenied("this playback URL's token is not valid for this path")


UNSIGNED = Playback(signing=False, signer=None)
"""What an app without ``app.state.playback`` uses: unsigned URLs, signed paths refused."""
