"""The streamfleet benchmark: N live channels on bare FFmpeg, streamfleet and nginx-rtmp.

Run it with ``python -m bench --channels 60 --seconds 60`` (``make bench``). Every
contender gets the same N looped sources, one contender after the other in the
same run, and the report gives the ratios streamfleet/bare-FFmpeg and
streamfleet/nginx-rtmp, because absolute figures drift on shared machines.
See ``bench/README.md`` for the method.
"""
