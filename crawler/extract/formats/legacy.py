"""Legacy Word (.doc) and Kingsoft WPS (.wps) files, both OLE2 compound files.

LibreOffice converts them to DOCX (the only route that keeps table structure, docs/readers.md §2), which
the DOCX reader then reads. Every conversion runs headless with a private profile (two conversions
sharing a profile silently produce nothing), no network, and a timeout after which the whole process
group is killed. When LibreOffice fails, catdoc (tab-separated table rows) and then antiword give at
least the text.

A conversion's temporary folder (source, output, LibreOffice profile) is named after its owner process
(pid and start time): ``nianbao-lo-{pid}-{start}-…``. When the owner is killed (kill -9, or the
extraction pool killing an overrunning worker), its folder stays behind and LibreOffice, in its own
process group, keeps running; :func:`sweep` -- run before each conversion and by the pool after it kills a
worker -- kills the processes still using a dead owner's folder and deletes the folder. A live owner's
folder is never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from crawler.extract.formats import docx
from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.limits import Limits

_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))


def read_legacy(data: bytes, limits: Limits, warnings: list[str], suffix: str = "doc") -> str:
    if any(marker in data[: 1 << 20] or marker in data[-(1 << 16) :] for marker in _ENCRYPTED_STREAMS):
        raise ReadError("encrypted", "an encrypted Office document (EncryptedPackage)")
    suffix = suffix if suffix in ("doc", "wps", "rtf", "dot", "wpt") else "doc"
    try:
        converted = run_libreoffice(data, suffix, "docx:MS Word 2007 XML", "docx", limits.subprocess_timeout)
        return docx.read_docx(converted, limits)
    except ReadError as failure:
        if failure.reason in ("timeout", "zip_bomb"):
            raise
        warnings.append(f"LibreOffice: {failure.detail}; falling back to text tools")
    for tool in (_catdoc, _antiword):
        try:
            text = tool(data, limits.subprocess_timeout)
        except ReadError as failure:
            if failure.reason == "timeout":
                raise
            warnings.append(failure.detail)
            continue
        if text.strip():
            warnings.append(f"text from {tool.__name__.strip('_')} (table structure approximate)")
            return text
    raise ReadError("unreadable", "; ".join(warnings) or "no converter could read the file")


def run_libreoffice(data: bytes, suffix: str, filter_: str, out_suffix: str, timeout: float) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ReadError("unsupported", "LibreOffice (soffice) is not installed")
    sweep()
    with owned_tempdir("lo") as tmp:
        source = Path(tmp) / f"report.{suffix}"
        source.write_bytes(data)
        command = [
            soffice,
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            filter_,
            "--outdir",
            f"{tmp}/out",
            str(source),
        ]
        _stdout, stderr = _run(command, timeout, cwd=tmp)
        produced = Path(tmp) / "out" / f"report.{out_suffix}"
        if not produced.exists():
            tail = stderr.decode(errors="replace").strip()[-300:]
            raise ReadError("unreadable", f"LibreOffice produced no .{out_suffix} ({tail or 'no message'})")
        return produced.read_bytes()


def _run(command: list[str], timeout: float, cwd: str | None = None, stdin: bytes | None = None) -> tuple[bytes, bytes]:
    """Run with a timeout; on timeout kill the whole process group (soffice forks oosplash/soffice.bin)."""
    # No proxies: a converter has no business on the network.
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["HOME"] = cwd or env.get("HOME") or tempfile.gettempdir()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    try:
        return process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ReadError("timeout", f"{Path(command[0]).name} did not finish within {timeout} s") from None


_OWNED = re.compile(r"^nianbao-(lo|catdoc|antiword)-(\d+)-(\d+)-")


def _start_time(pid: int) -> int | None:
    """A process's start time (clock ticks since boot, /proc/PID/stat field 22); None: no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] == "Z" else int(fields[19])  # a zombie is dead too


@contextlib.contextmanager
def owned_tempdir(kind: str) -> Iterator[str]:
    """A temporary folder named after this process, deleted on exit (or by :func:`sweep` once we are dead)."""
    pid = os.getpid()
    tmp = tempfile.mkdtemp(prefix=f"nianbao-{kind}-{pid}-{_start_time(pid) or 0}-")
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sweep(root: str | None = None) -> list[str]:
    """Delete the conversion folders of dead owners, first killing what still runs in them; the folders."""
    root = root or tempfile.gettempdir()
    swept: list[str] = []
    try:
        names = os.listdir(root)
    except OSError:
        return swept
    for name in names:
        match = _OWNED.match(name)
        if not match or _start_time(int(match[2])) == int(match[3]):
            continue  # not ours, or its owner is alive (same pid, same start time)
        folder = os.path.join(root, name)
        _kill_users(folder)
        shutil.rmtree(folder, ignore_errors=True)
        swept.append(folder)
    return swept


def _kill_users(folder: str) -> None:
    """SIGKILL every process of ours whose command line names ``folder`` (soffice's profile and source),
    with its process group (soffice forks oosplash and soffice.bin into the group it leads)."""
    needle = folder.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if needle not in cmdline:
            continue
        pid = int(entry)
        with contextlib.suppress(OSError):
            if (group := os.getpgid(pid)) != os.getpgrp():  # conversions run in groups of their own
                os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _tool_text(name: str, args: list[str], data: bytes, timeout: float) -> str:
    binary = shutil.which(name)
    if binary is None:
        raise ReadError("unsupported", f"{name} is not installed")
    with owned_tempdir(name) as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        stdout, stderr = _run([binary, *args, str(source)], timeout, cwd=tmp)
    text = stdout.decode("utf-8", errors="replace")
    if not text.strip():
        raise ReadError("unreadable", f"{name}: {stderr.decode(errors='replace').strip()[-200:] or 'no text'}")
    return text


def _catdoc(data: bytes, timeout: float) -> str:
    # -w: no line wrapping; table cells come out tab-separated, which is the intermediate tsv layout.
    return _tool_text("catdoc", ["-d", "utf-8", "-w"], data, timeout)


def _antiword(data: bytes, timeout: float) -> str:
    text = _tool_text("antiword", ["-w", "0", "-m", "UTF-8.txt"], data, timeout)
    # antiword prints table rows as |cell|cell|: turn them into tab-separated rows.
    lines = []
    for line in text.split("\n"):
        if line.startswith("|") and line.rstrip().endswith("|"):
            lines.append("\t".join(cell.strip() for cell in line.strip()[1:-1].split("|")))
        else:
            lines.append(re.sub(r"[ \u3000]+$", "", line))
    return "\n".join(lines)
