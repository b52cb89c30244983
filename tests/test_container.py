"""The container, checked from its files (no Docker engine here): an unprivileged user on a
read-only root file system, the object store and the metrics in docker-compose.yml, a GPU
worker behind a profile, and every setting the files name a real one."""

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from app.core.config import Settings
from tests.support import ROOT
from tests.support.namespaces import namespaces
from tests.support.servers import free_port, stop, wait_until

SETTING_NAMES = {f"SPARRING_{name.upper()}" for name in Settings.model_fields}
HELPER_VARS = {"SPARRING_HOST", "SPARRING_PORT"}  # read by `videosparring serve`
OURS = ("app", "worker", "worker-gpu")  # the services built from the Dockerfile


@dataclass
class Stage:
    name: str
    parent: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def dockerfile_stages(text: str) -> list[Stage]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments), continuations joined."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name=name, parent=words[0]))
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def env_of(stage: Stage) -> dict[str, str]:
    found: dict[str, str] = {}
    for args in stage.all("ENV"):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            found[key] = value
    return found


def effective(stages: list[Stage], name: str, what: str) -> Any:
    """A stage's ENV (merged), last USER or HEALTHCHECK, with what it inherits from the stage
    it is FROM."""
    by_name = {s.name: s for s in stages}
    stage = by_name[name]
    inherited: Any = effective(stages, stage.parent, what) if stage.parent in by_name else None
    if what == "ENV":
        return {**(inherited or {}), **env_of(stage)}
    last = stage.all(what)  # USER or HEALTHCHECK: the last one counts
    return last[-1] if last else inherited


def uid_of(user: str) -> str:
    return user.split(":")[0]


def is_root(user: str | None) -> bool:
    return user is None or uid_of(user) in ("0", "root")


STAGES = dockerfile_stages((ROOT / "Dockerfile").read_text())
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_UID = uid_of(effective(STAGES, STAGES[-1].name, "USER"))


def test_the_parser_sees_a_root_image() -> None:
    """The checks below can fail: an image without USER, or that goes back to root, is root."""
    plain = dockerfile_stages('FROM debian AS a\nRUN true \\\n  && true\nCMD ["x"]\n')
    assert is_root(effective(plain, "a", "USER"))
    back = dockerfile_stages("FROM debian AS a\nUSER 10001\nFROM a AS b\nUSER root\n")
    assert not is_root(effective(back, "a", "USER")) and is_root(effective(back, "b", "USER"))
    assert env_of(dockerfile_stages("FROM x\nENV A=1 \\\n    B='two words'\n")[0]) == {
        "A": "1",
        "B": "two words",
    }


def test_every_stage_runs_as_the_unprivileged_user() -> None:
    assert APP_UID.isdigit() and int(APP_UID) >= 1000, APP_UID
    for stage in STAGES:
        user = effective(STAGES, stage.name, "USER")
        assert not is_root(user), f"stage {stage.name} runs as {user}"
        assert uid_of(user) == APP_UID, stage.name
    base = next(s for s in STAGES if any("useradd" in r for r in s.all("RUN")))
    (adduser,) = [r for r in base.all("RUN") if "useradd" in r]
    assert f"--uid {APP_UID}" in adduser and "--shell /usr/sbin/nologin" in adduser
    assert f"-o {APP_UID}" in adduser and "/data" in adduser  # only the data folder is its own
    for stage in STAGES:
        for args in stage.all("COPY") + stage.all("ADD"):
            assert "--chown" not in args and "--chmod" not in args, args  # code stays root's
    assert any("go-w" in r for s in STAGES for r in s.all("RUN"))


def test_no_bytecode_or_cache_in_the_read_only_tree_and_no_secret_in_the_image() -> None:
    env = effective(STAGES, STAGES[-1].name, "ENV")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["SPARRING_DATA_DIR"] == "/data"
    for name in ("HOME", "XDG_CACHE_HOME", "HF_HOME", "MPLCONFIGDIR", "TMPDIR"):
        assert env[name].startswith(("/data", "/tmp")), name
    for stage in STAGES:
        names = list(env_of(stage)) + [a.split("=")[0] for a in stage.all("ARG")]
        for name in names:
            assert not re.search(r"SECRET|PASSWORD|TOKEN|ACCESS_KEY|PRIVATE", name), name
    assert any("compileall" in r for s in STAGES for r in s.all("RUN"))  # compiled as root
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "data", ".env"} <= set(ignored)


def test_the_image_checks_readiness() -> None:
    checks = [h for s in STAGES for h in s.all("HEALTHCHECK") if h != "NONE"]
    assert checks and all("/readyz" in h for h in checks)
    assert "/readyz" in effective(STAGES, STAGES[-1].name, "HEALTHCHECK")  # the default image
    gpu = next(s for s in STAGES if s.name == "gpu")
    assert effective(STAGES, gpu.name, "HEALTHCHECK") == "NONE"  # a worker: no HTTP
    assert SERVICES["app"]["healthcheck"]["test"][-1].count("/readyz") == 1
    for name in ("worker", "worker-gpu"):  # no HTTP there
        assert SERVICES[name]["healthcheck"] == {"disable": True}, name


@pytest.mark.parametrize("name", OURS)
def test_app_and_workers_run_hardened(name: str) -> None:
    service = SERVICES[name]
    assert service["read_only"] is True
    assert "/tmp" in service["tmpfs"]
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert uid_of(str(service["user"])) == APP_UID
    assert service["restart"] == "unless-stopped"
    assert "privileged" not in service and "cap_add" not in service
    # Read-only everywhere else: the data folder it writes is a volume of its own.
    data_dir = service["environment"]["SPARRING_DATA_DIR"]
    targets = {v.split(":")[1] for v in service["volumes"]}
    assert data_dir in targets


def test_every_volume_is_declared_and_no_folder_is_shared() -> None:
    declared = set(COMPOSE["volumes"])
    used: dict[str, list[str]] = {}
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is not here"
                assert volume.endswith(":ro"), volume  # a file from the repository, read only
                continue
            assert source in declared, f"{name} uses the undeclared volume {source}"
            used.setdefault(source, []).append(name)
    for source, names in used.items():
        assert len(names) == 1, f"{source} is shared by {names}"  # the bucket is what's shared
    assert set(used) == declared  # none declared and unused


def test_the_object_store_is_the_minio_service() -> None:
    minio = SERVICES["minio"]
    for name in OURS:
        env = SERVICES[name]["environment"]
        assert env["SPARRING_STORAGE"] == "s3", name
        endpoint = env["SPARRING_S3_ENDPOINT"]
        assert endpoint == "http://minio:9000", name
        assert env["SPARRING_S3_ACCESS_KEY"] == minio["environment"]["MINIO_ROOT_USER"]
        assert env["SPARRING_S3_SECRET_KEY"] == "${S3_SECRET_KEY}"  # from the environment
        assert env["SPARRING_S3_BUCKET"]
    assert "minio" in SERVICES["app"]["depends_on"]


def published(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host address, host port, container port) of each published port."""
    out = []
    for port in service.get("ports", []):
        parts = str(port).split(":")
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2]))
        else:
            out.append(("0.0.0.0", parts[0], parts[-1]))
    return out


def test_ports_and_metrics_are_published_on_this_host_only() -> None:
    env = SERVICES["app"]["environment"]
    metrics_port = str(env["SPARRING_METRICS_PORT"])
    assert int(metrics_port) > 0 and metrics_port != str(env["SPARRING_PORT"])
    assert env["SPARRING_METRICS_ADDRESS"] == "0.0.0.0"  # the compose network; not published
    for name, service in SERVICES.items():
        for address, _host, _container in published(service):
            assert address == "127.0.0.1", f"{name} publishes on {address}"
    assert ("127.0.0.1", metrics_port, metrics_port) in published(SERVICES["app"])
    assert published(SERVICES["app"])[0] == ("127.0.0.1", "8000", "8000")
    assert published({"ports": ["9464:9464"]}) == [("0.0.0.0", "9464", "9464")]
    for name in ("worker", "worker-gpu"):  # metrics are served by the app only
        assert "SPARRING_METRICS_PORT" not in SERVICES[name]["environment"]


def test_prometheus_scrapes_the_app_metrics_port() -> None:
    prometheus = SERVICES["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus")
    mount = next(v for v in prometheus["volumes"] if v.startswith("./deploy/prometheus.yml:"))
    config_path = mount.split(":")[1]
    assert f"--config.file={config_path}" in prometheus["command"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = config["scrape_configs"]
    targets = [t for job in jobs for each in job["static_configs"] for t in each["targets"]]
    port = SERVICES["app"]["environment"]["SPARRING_METRICS_PORT"]
    assert targets == [f"app:{port}"]
    assert prometheus["read_only"] is True and prometheus["cap_drop"] == ["ALL"]
    assert (ROOT / "deploy" / "grafana" / "videosparring.json").is_file()


def test_the_gpu_worker_is_optional_and_reserves_a_gpu() -> None:
    gpu = SERVICES["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    for name, service in SERVICES.items():
        if name != "worker-gpu":
            assert "profiles" not in service, name  # the rest start without a profile
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    env = gpu["environment"]
    assert env["SPARRING_WHISPER_DEVICE"] == "cuda"
    assert env["SPARRING_WHISPER_COMPUTE_TYPE"].removeprefix("${GPU_COMPUTE_TYPE:-").rstrip(
        "}"
    ) in ("float16", "int8_float16")
    assert gpu["build"]["target"] in {s.name for s in STAGES}
    assert gpu["command"] == ["videosparring", "worker"]
    gpu_stage = next(s for s in STAGES if s.name == gpu["build"]["target"])
    assert any("nvidia-cudnn" in r for r in gpu_stage.all("RUN"))
    assert "LD_LIBRARY_PATH" in env_of(gpu_stage)
    assert STAGES[-1].name != gpu["build"]["target"]  # a plain build is the CPU image


def unknown_settings(compose: dict[str, Any]) -> list[str]:
    """Environment names of our services that no setting (nor `serve`) reads."""
    names = {n.upper() for n in SETTING_NAMES | HELPER_VARS}
    return [
        f"{service}: {var}"
        for service in OURS
        for var in compose["services"][service]["environment"]
        if var.upper() not in names
    ]


def test_every_variable_the_compose_file_names_is_a_setting() -> None:
    assert unknown_settings(COMPOSE) == []
    typo = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    typo["services"]["worker-gpu"]["environment"]["SPARRING_WHISPER_DEVISE"] = "cuda"
    assert unknown_settings(typo) == ["worker-gpu: SPARRING_WHISPER_DEVISE"]


def test_the_readme_deployment_section_names_real_settings() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("\n## Deployment")
    section = readme[start : readme.index("\n## ", start + 1)]
    for heading in ("### One machine", "### Several machines", "### A GPU worker"):
        assert heading in section
    for needle in ("scripts/start", "/readyz", "--profile gpu", "deploy/prometheus.yml"):
        assert needle in section, needle
    assert "deploy/grafana/videosparring.json" in section
    named = set(re.findall(r"SPARRING_[A-Z0-9_]*[A-Z0-9]", section))
    assert named and named <= SETTING_NAMES | HELPER_VARS, named - SETTING_NAMES
    for name in OURS:
        assert f"`{name}`" in section, name


def test_the_app_and_every_worker_share_one_server_secret() -> None:
    """Workers write audit entries too: each machine's own secret.key would split the chain."""
    secrets = {SERVICES[name]["environment"]["SPARRING_SECRET_KEY"] for name in OURS}
    (secret,) = secrets
    assert secret.startswith("${SECRET_KEY:?")  # required, from the environment


def _files(tree: Path) -> set[tuple[str, float]]:
    """The tree's files and times, bytecode left out: the suite's other processes (not the
    image, whose PYTHONDONTWRITEBYTECODE is set) may compile modules meanwhile."""
    return {
        (str(p), p.stat().st_mtime)
        for p in tree.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def _read_only_code(*command: str) -> list[str]:
    """`command` in a mount namespace where the code, the virtual environment and Python are
    read-only bind mounts, as the image's root file system is under `read_only: true`
    (without namespaces: as it is; the drill then compares the trees before and after)."""
    if not namespaces():
        return list(command)
    prefixes = {Path(p).resolve() for p in (ROOT, sys.prefix, sys.base_prefix)}
    trees = sorted({str(p) for p in prefixes if not any(q in p.parents for q in prefixes)})
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare[1:1] = ["--user", "--map-root-user"]
    quoted = [shlex.quote(t) for t in trees]
    remount = " && ".join(f"mount --bind {t} {t} && mount -o remount,bind,ro {t}" for t in quoted)
    return [*unshare, "sh", "-c", f'{remount} && exec "$@"', "sh", *command]


@pytest.mark.slow
def test_app_and_worker_run_with_the_code_read_only(tmp_path: Path) -> None:
    """The image's environment on a read-only tree: migrate, serve, a worker; /readyz says 200
    with the worker live, the metrics answer, and nothing tried to write beside the code."""
    data = tmp_path / "data"
    port, metrics = free_port(), free_port()
    image_env = effective(STAGES, STAGES[-1].name, "ENV")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SPARRING_")},
        "PYTHONDONTWRITEBYTECODE": image_env["PYTHONDONTWRITEBYTECODE"],
        "HOME": str(data),
        "XDG_CACHE_HOME": str(tmp_path / "tmp" / "cache"),
        "HF_HOME": str(data / "cache" / "huggingface"),
        "MPLCONFIGDIR": str(tmp_path / "tmp" / "matplotlib"),
        "SPARRING_DATA_DIR": str(data),
        "SPARRING_HOST": "127.0.0.1",
        "SPARRING_PORT": str(port),
        "SPARRING_METRICS_PORT": str(metrics),
        "SPARRING_WHISPER_MODEL": "bundled-tiny.en",
        "SPARRING_SECRET_KEY": "one-secret-for-every-machine",
    }
    script = str(Path(sys.executable).parent / "videosparring")
    trees = (ROOT / "app", ROOT / "templates", Path(sys.prefix))
    for tree in trees if namespaces() else ():  # the mounts hold: no one writes there
        touched = subprocess.run(_read_only_code("touch", str(tree / "written")), env=env)
        assert touched.returncode != 0 and not (tree / "written").exists()
    before = {tree: _files(tree) for tree in trees}
    migrated = subprocess.run(
        _read_only_code(script, "migrate"), env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    logs = [tmp_path / "serve.log", tmp_path / "worker.log"]
    procs = [
        subprocess.Popen(
            _read_only_code(script, what),
            env=env,
            cwd=tmp_path,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        for what, log in zip(("serve", "worker"), logs, strict=True)
    ]
    try:
        base = f"http://127.0.0.1:{port}"

        def ready() -> dict[str, Any] | None:
            assert all(p.poll() is None for p in procs), [log.read_text()[-2000:] for log in logs]
            try:
                answer = httpx.get(f"{base}/readyz?all=1", timeout=5)
            except httpx.TransportError:
                return None
            return answer.json() if answer.status_code == 200 else None

        answer = wait_until(ready, 90, "/readyz", every=0.5)
        assert answer is not None
        checks = {c["name"]: c for c in answer["checks"]}
        assert checks["workers"]["ok"] and checks["media_store"]["ok"], checks
        assert httpx.get(f"{base}/login").status_code == 200
        assert httpx.get(f"{base}/static/app.css").status_code == 200
        scraped = httpx.get(f"http://127.0.0.1:{metrics}/metrics").text
        live = [ln for ln in scraped.splitlines() if ln.startswith("videosparring_workers_live{")]
        assert live and float(live[0].split()[-1]) == 1.0, scraped
    finally:
        stop(*procs)
    written = "\n".join(log.read_text() for log in logs) + migrated.stderr
    assert "Read-only file system" not in written and "Errno 30" not in written
    assert (data / "videosparring.db").exists()
    for tree, files in before.items():  # nothing written beside the code, mounts or not
        assert _files(tree) == files, f"something wrote into {tree}"
