"""Metrics in the Prometheus format for the engineer who runs the installation (issue 26),
served on their own port (`SPARRING_METRICS_PORT`, off when unset) that only the operator's
network reaches: request latency by route template, and what the database says at each scrape
(jobs per kind and state, the oldest queued job, live workers per model, uploads in progress)
plus this process's live rooms. No personal data in any label: route templates, job kinds,
model names and states only."""
