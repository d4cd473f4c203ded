"""The scale-out roles on the fleet coordination of ``cluster/`` (see "Roles" in
docs/architecture.md).

- ``worker``: ``FleetWorker``, a ``streamfleet worker`` process: registers, heartbeats,
  runs exactly the channels it holds leases on, through the engine of ``serve``
- ``placement`` / ``placer``: which live worker gets a new or orphaned channel, decided
  by the one holder of the ``placer`` leader lease
- ``drain``: a draining (or over-capacity) worker moves its channels away, one at a time
- ``moves``: each move between workers, with its reason, in the history and on the bus
- ``roster``: the workers as ``GET /api/v1/workers`` shows them, and asking for a drain
- ``worker_watch``: an API node opens and resolves the ``worker_lost`` alert
- ``fenced_sink``: status changes written under the channel's lease epoch
- ``media_keeper``: each channel's media info written under its lease epoch, when it changed
- ``wakeups``: API nodes tell workers over Redis that a channel changed
- ``api_control``: the ``EngineControl`` of an API node (states from the database,
  actions as desired state plus a wake-up)
- ``worker_http``: the worker's ``/healthz``, ``/readyz`` and ``/metrics``
- ``api_jobs``: the fleet's single jobs (alerts, outbox, retention, backups, exports), each
  run by the one API node holding its leader lease; ``fleet_retention``: the retention job
"""
