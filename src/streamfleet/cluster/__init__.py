"""Fleet coordination on the shared database (see "Fleet coordination" in docs/architecture.md).

- ``workers``: ``WorkerRegistry`` (register, heartbeat, deregister, live workers)
- ``channel_leases``: ``LeaseBook`` (claim, renew, release, fence channel leases)
- ``leader_lease``: ``LeaderLease`` (one holder per fleet-wide job)
- ``leader_job``: ``LeaderJob`` (run a job's work in the one process holding its lease)
- ``heartbeat``: ``WorkerHeartbeat`` (heartbeat and lease renewal in one transaction)
- ``keeper``: ``LeaseKeeper`` (renew every interval, ``on_lost`` before expiry)
- their parts: ``fencing``, ``db_clock``, ``lease_rows``, ``lease_transaction``, ``timing``,
  ``errors``
"""
