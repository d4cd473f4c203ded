#!/usr/bin/env bash
# The lean FFmpeg for copy channels (docs/engine.md, "A lean FFmpeg for copy channels").
#
#   deploy/ffmpeg/build-lean.sh PREFIX      # writes PREFIX/bin/ffmpeg
#
# FFmpeg 9.0.2, the release of the imageio-ffmpeg wheel's binary, with only what a copy
# channel reads and writes: the UDP, RTP, RTSP, RTMP and HTTP inputs (HLS, MPEG-TS, FLV,
# MP4, Matroska), the MPEG-TS and HLS muxers, the parsers that give a stream's size, and
# the audio decoders the stream probe opens. The H.264 and HEVC decoders are in only for
# their names: the probe may not open them (-codec_whitelist), but without them the
# parsers' complaints on a mid-GOP join say "[NULL @ …]" instead of "[h264 @ …]", and the
# log tail would no longer know them as join noise. No external library: sources that need TLS,
# SRT or RIST stay on the default binary (the engine asks each binary what it can read).
# Linked statically, so its pages are the same file in every channel's process.
#
# Needs a C compiler, make and nasm (Debian: build-essential nasm). The source tarball is
# checked against its SHA-256; FFMPEG_SOURCE_URL fetches it from elsewhere (a mirror of
# ffmpeg.org's ffmpeg-9.0.2.tar.xz is the same file).
set -euo pipefail

version=9.0.2
sha256=8c3850283eb25fa026482078a04051e0be17347b09ef81a0849bec15a96e002e
url=${FFMPEG_SOURCE_URL:-http://deb.debian.org/debian/pool/main/f/ffmpeg/ffmpeg_${version}.orig.tar.xz}
prefix=${1:?usage: deploy/ffmpeg/build-lean.sh PREFIX}
jobs=${JOBS:-$(nproc)}

mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "build-lean: fetching FFmpeg ${version} from ${url}"
curl -fsSL --retry 3 -o "$work/ffmpeg.tar.xz" "$url"
echo "${sha256}  $work/ffmpeg.tar.xz" | sha256sum --check --quiet
tar -xJf "$work/ffmpeg.tar.xz" -C "$work"
cd "$work/ffmpeg-${version}"

echo "build-lean: configuring"
./configure \
    --prefix="$prefix" \
    --disable-everything --disable-autodetect \
    --disable-doc --disable-ffplay --disable-ffprobe \
    --enable-static --disable-shared \
    --enable-pic --extra-ldflags=-pie \
    --enable-protocol=file,pipe,udp,rtp,tcp,http,rtmp,crypto \
    --enable-demuxer=mpegts,hls,rtsp,sdp,rtp,flv,live_flv,mov,matroska,aac,h264,hevc \
    --enable-muxer=mpegts,hls \
    --enable-parser=h264,hevc,mpegvideo,mpeg4video,aac,aac_latm,mpegaudio,ac3,opus \
    --enable-decoder=aac,aac_latm,mp2,mp2float,mp3,mp3float,ac3,eac3,opus,h264,hevc \
    --enable-bsf=h264_mp4toannexb,hevc_mp4toannexb \
    >"$work/configure.log" || { tail -20 "$work/configure.log"; exit 1; }

echo "build-lean: compiling with ${jobs} jobs (a few minutes)"
make -j"$jobs" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log"; exit 1; }
install -D -m 0755 ffmpeg "$prefix/bin/ffmpeg"
strip "$prefix/bin/ffmpeg"
"$prefix/bin/ffmpeg" -hide_banner -version | head -1
echo "build-lean: ${prefix}/bin/ffmpeg"
