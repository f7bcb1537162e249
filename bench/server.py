"""Starting and stopping the platform under gunicorn, exactly as production would run it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from bench import env
from bench.scales import Scale


@dataclass
class Server:
    name: str
    port: int
    workers: int
    proc: subprocess.Popen
    log_path: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def errors_tail(self, n: int = 20) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


COLLECTSTATIC_PROBLEMS: list[str] = []


def collectstatic(scale: Scale, secret: str) -> float:
    """Production serves static files through whitenoise's manifest: it must exist first."""
    t = time.perf_counter()
    stamp = env.DATA_DIR / "collectstatic.fingerprint"
    fingerprint = _static_fingerprint()
    if (env.ROOT / "staticfiles" / "staticfiles.json").exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return 0.0
    cmd = [str(env.VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"]
    proc_env = {**os.environ, **env.platform_env(scale, secret)}
    strict = subprocess.run(cmd, cwd=env.ROOT, env=proc_env, capture_output=True, text=True)
    if strict.returncode != 0:
        problem = next((ln for ln in strict.stderr.splitlines() if "Error" in ln), strict.stderr[-300:])
        COLLECTSTATIC_PROBLEMS.append(problem.strip())
        subprocess.run(cmd, cwd=env.ROOT, env={**proc_env, "DJANGO_SETTINGS_MODULE": "bench.collectstatic_settings"}, check=True)
    env.DATA_DIR.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    return time.perf_counter() - t


def _static_fingerprint() -> str:
    """Sizes and times of every static source file: collectstatic runs again only when one changed."""
    import hashlib

    h = hashlib.sha1()
    for base in [env.ROOT / "static", *env.ROOT.glob("*/static"), *env.ROOT.glob("*/*/static")]:
        for path in sorted(base.rglob("*")):
            if path.is_file():
                st = path.stat()
                h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def start(scale: Scale, secret: str, *, app: str, port: int, workers: int, name: str, ready_path: str) -> Server:
    env.DATA_DIR.mkdir(parents=True, exist_ok=True)
    log_path = str(env.DATA_DIR / f"gunicorn-{name}-{port}.log")
    proc_env = {
        **os.environ,
        **env.platform_env(scale, secret),
        "BENCH_BIND": f"127.0.0.1:{port}",
        "BENCH_WORKERS": str(workers),
        "BENCH_ERRORLOG": log_path,
        "BENCH_PROC_NAME": f"uh-bench-{name}",
    }
    log_file = open(log_path, "ab")  # Django's own errors (tracebacks of 500s) go to stderr
    proc = subprocess.Popen(
        [str(env.VENV_BIN / "gunicorn"), "-c", str(env.BENCH_DIR / "gunicorn_conf.py"), app],
        cwd=env.ROOT,
        env=proc_env,
        stdout=log_file,
        stderr=log_file,
    )
    log_file.close()
    server = Server(name, port, workers, proc, log_path)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn {name} exited: {server.errors_tail()}")
        try:
            with urllib.request.urlopen(server.base + ready_path, timeout=2) as resp:
                resp.read()
            break
        except urllib.error.HTTPError:
            break  # it answers (a 302/403/404 is an answer)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    else:
        server.stop()
        raise RuntimeError(f"gunicorn {name} did not answer on port {port}")
    warm(server, [ready_path], rounds=3)
    return server


def warm(server: Server, paths: list[str], rounds: int = 2, headers: dict | None = None) -> None:
    """Every worker imports the URLconf (and its API schemas) on its first request, which takes
    seconds: send concurrent requests (a busy sync worker accepts nothing, so they spread over all
    workers) until each has answered, before anything is measured."""
    import concurrent.futures

    def hit(path: str) -> None:
        req = urllib.request.Request(server.base + path, headers=headers or {})
        try:
            urllib.request.urlopen(req, timeout=60).read()
        except urllib.error.HTTPError:
            pass
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)

    with concurrent.futures.ThreadPoolExecutor(max_workers=server.workers * 2) as pool:
        for _ in range(rounds):
            list(pool.map(hit, [paths[i % len(paths)] for i in range(server.workers * 2)]))
