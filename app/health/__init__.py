"""Is it up, and can it do its work: liveness (the process answers), and readiness (the
database, the queue, the media store, free disk; and, reported beside them, a live worker for
every model in use and the age of the oldest queued job). For a load balancer and for the
engineer who runs the installation (issue 26)."""
