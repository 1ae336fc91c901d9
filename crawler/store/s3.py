"""The archive on S3-compatible object storage with bucket versioning (AWS S3, SeaweedFS, MinIO…).

``STORE_URI=s3://bucket/prefix``. Endpoint, region and credentials come from the usual AWS environment
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or a
profile), never from the URI or a committed file.

Layout under the prefix::

    {key}                         the object; each distinct content is one S3 version of it. Metadata:
                                  sha256, source-url, fetched-at, last-modified, etag (ASCII-safe)
    _ledger/{seq:012d}.json       one small immutable JSON object per ledger entry (the key, its version
                                  number, sha256, the S3 VersionId, …), chained like LocalStore's
                                  ledger: ``chain`` = sha256(previous chain + this entry)

Why one object per entry, named by sequence number only: the ledger can be read with a plain
``ListObjectsV2`` (in order, incrementally with ``StartAfter``) and GETs; no ``ListObjectVersions``,
whose ordering differs between servers (SeaweedFS version ids sort newest-lower). Entry *n* is created
with ``If-None-Match: *`` (S3 conditional writes; AWS, SeaweedFS and MinIO support them), so two
writers can never both claim *n*: the loser re-reads the ledger, renumbers and tries *n+1*. The chain
is therefore linear even with concurrent crawls, and a deleted or rewritten entry breaks it. Putting
the sha256 into the entry's name would let two writers fork the chain at the same *n*, so it is not.

Write order: the object first, then its ledger entry. A crash in between leaves an S3 version that no
entry lists; the next put of the same bytes finds it by HEAD (metadata sha256) and adopts it rather
than writing a duplicate. Objects of 8 MiB or more go up as multipart uploads, which S3 makes visible
only when complete: no partial object is ever readable.

When the endpoint is unreachable (connection refused, timeouts, 5xx), :class:`S3Backend` raises
:class:`S3OfflineError`; :class:`S3Store` is that backend wrapped in a
:class:`~crawler.store.spool.SpooledStore`, so such puts go to a local spool and are replayed in order
as soon as the store answers again: at the next put after ``NIANBAO_S3_RETRY_SECS`` (default 10 s), at
``close()``, or with ``scrapy flush``.

Buckets: a missing bucket is created with versioning Enabled. An existing bucket whose versioning is
not Enabled would silently overwrite old versions, so writing to it is refused unless the URI has
``?allow_unversioned=1`` or the environment ``NIANBAO_S3_ALLOW_UNVERSIONED=1``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError

from crawler.store.base import PutResult, Store, StoreError, StoreOfflineError, Version, sha256_hex, utcnow
from crawler.store.catalog import BATCH, catalog_url, open_index
from crawler.store.local import GENESIS, chain_hash
from crawler.store.spool import Spool, SpooledStore

logger = logging.getLogger(__name__)

LEDGER = "_ledger"
MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
# Printable ASCII passes through; everything else (CJK in URLs, control characters) is percent-encoded,
# because S3 user metadata travels in HTTP headers.
_META_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%") + " "
# Seconds between looks at a bucket whose versioning was never enabled, before refusing it (_ensure_writable).
CREATOR_WAIT = (0.5, 1.0, 2.0, 4.0)
_META_BUDGET = 1800  # S3 allows 2 KiB of user metadata; leave room for the keys


class S3OfflineError(StoreOfflineError):
    """The object store cannot be reached right now (the put was spooled, or the read failed)."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _offline(exc: BaseException) -> bool:
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500
    return False


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def meta_value(value: Any) -> str:
    """An S3 user-metadata value: ASCII only (non-ASCII and control characters percent-encoded)."""
    return quote(str(value), safe=_META_SAFE)


def make_client() -> Any:
    """A boto3 S3 client configured from the environment, failing fast when the endpoint is down."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    config = Config(
        # Path-style for self-hosted servers (no wildcard DNS for bucket sub-domains); AWS takes either.
        s3={"addressing_style": "path" if endpoint else "auto"},
        connect_timeout=5,
        read_timeout=60,
        # A few quick retries ride out a blip; beyond that the put is spooled rather than stalling a crawl.
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=32,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region, config=config)


def catalog_file(uri: str, spool_root: str | os.PathLike[str] | None = None) -> Path:
    """Where a node keeps the SQLite catalog of the S3 archive ``uri`` when no NIANBAO_CATALOG_URL is set:
    ``$NIANBAO_SPOOL/catalog/<the archive's spool folder name>.sqlite``, beside that archive's spool."""
    spool = Spool(uri, spool_root).dir
    return spool.parent / "catalog" / f"{spool.name}.sqlite"


class S3Store(SpooledStore):
    """The S3 archive as crawls and commands use it: an :class:`S3Backend` behind a local spool, so a put
    made while the server is unreachable waits on disk instead of failing (see :mod:`crawler.store.spool`).
    Attributes and methods of the backend (``bucket``, ``client``, ``verify_chain``…) are reached through
    the wrapper."""

    _instances: ClassVar[dict[tuple[str, str], S3Store]] = {}
    _instances_lock = threading.Lock()

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any = None,
        allow_unversioned: bool = False,
        spool_root: str | os.PathLike[str] | None = None,
        retry_after: float | None = None,
    ):
        backend = S3Backend(bucket, prefix, client=client, allow_unversioned=allow_unversioned, spool_root=spool_root)
        super().__init__(backend, Spool(backend.uri, spool_root), retry_after=retry_after)

    @classmethod
    def from_uri(cls, uri: str) -> S3Store:
        """The store for ``s3://bucket/prefix[?allow_unversioned=1]``, shared within the process.

        ``crawlall`` runs several crawls in one process; sharing one instance per URI and endpoint reads
        the ledger once, not once per crawl.
        """
        parts = urlsplit(uri)
        if parts.scheme != "s3" or not parts.netloc:
            raise StoreError(f"not an S3 URI: {uri!r} (expected s3://bucket/prefix)")
        query = parse_qs(parts.query)
        allow = _truthy((query.get("allow_unversioned") or [""])[0])
        cache_key = (uri, os.environ.get("AWS_ENDPOINT_URL", ""))
        with cls._instances_lock:
            store = cls._instances.get(cache_key)
            if store is None:
                store = cls(parts.netloc, parts.path, allow_unversioned=allow)
                cls._instances[cache_key] = store
            return store


class S3Backend(Store):
    """Objects and ledger in the bucket; no spool (an unreachable server raises :class:`S3OfflineError`)."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any = None,
        allow_unversioned: bool = False,
        spool_root: str | os.PathLike[str] | None = None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.client = client if client is not None else make_client()
        self.allow_unversioned = allow_unversioned or _truthy(os.environ.get("NIANBAO_S3_ALLOW_UNVERSIONED"))
        self._writable = False
        # The catalog of the ledger (crawler/store/catalog.py): NIANBAO_CATALOG_URL, else a SQLite file in
        # this archive's spool folder, the node's state directory for it.
        self.index = open_index(self.uri, None if catalog_url() else catalog_file(self.uri, spool_root))
        self._chain = GENESIS
        self._state_lock = threading.RLock()  # ledger index, claims of sequence numbers

    # ---- names -------------------------------------------------------------------------------
    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    @property
    def _ledger_prefix(self) -> str:
        return self._object_key(LEDGER) + "/"

    def check_key(self, key: str) -> str:
        if not key or key.startswith("/") or key.split("/", 1)[0] == LEDGER or "//" in key:
            raise StoreError(f"invalid archive key {key!r}")
        return key

    # ---- the ledger --------------------------------------------------------------------------
    def _call(self, fn: Any, /, **kwargs: Any) -> Any:
        """A boto3 call whose failures become StoreErrors (S3OfflineError when the server is unreachable)."""
        try:
            return fn(**kwargs)
        except NoCredentialsError as exc:
            raise StoreError(f"{self.uri}: no S3 credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)") from exc
        except (BotoCoreError, ClientError) as exc:
            if _offline(exc):
                raise S3OfflineError(f"{self.uri}: object store unreachable: {exc}") from exc
            raise

    def _refresh(self) -> None:
        """Record in the catalog the ledger entries written since its cursor (by anyone), in sequence
        order, a batch at a time."""
        with self._state_lock:
            while True:
                cursor = self.index.cursor()
                names: list[str] = []
                kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._ledger_prefix}
                if cursor.position:
                    kwargs["StartAfter"] = cursor.position
                while len(names) < BATCH:
                    try:
                        page = self._call(self.client.list_objects_v2, **kwargs)
                    except ClientError as exc:
                        if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                            return  # nothing archived yet: the bucket is created by the first put
                        raise StoreError(f"{self.uri}: cannot read the ledger: {exc}") from exc
                    names += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".json")]
                    if not page.get("IsTruncated"):
                        break
                    kwargs["ContinuationToken"] = page["NextContinuationToken"]
                if not names:
                    self._chain = cursor.chain
                    return
                with ThreadPoolExecutor(max_workers=min(16, len(names))) as pool:
                    bodies = list(pool.map(self._read_ledger_object, names))
                chain, batch = cursor.chain, []
                for name, body in zip(names, bodies, strict=True):
                    try:
                        data = json.loads(body)
                        version = Version.from_json(data)
                    except (ValueError, TypeError) as exc:
                        logger.error("%s: unreadable ledger entry %s skipped: %s", self.uri, name, exc)
                        continue
                    batch.append(version)
                    chain = data.get("chain", chain)
                if self.index.advance(cursor, names[-1], chain, batch):
                    self._chain = chain
                # else another process recorded this tail first; either way, read on from the cursor

    def refresh(self) -> None:
        """Catch the catalog up with the ledger now."""
        self._refresh()

    def _read_ledger_object(self, name: str) -> bytes:
        return bytes(self._call(self.client.get_object, Bucket=self.bucket, Key=name)["Body"].read())

    def _ledger_name(self, seq: int) -> str:
        return f"{self._ledger_prefix}{seq:012d}.json"

    def ledger(self) -> Iterator[Version]:
        self._refresh()
        return self.index.entries()

    def history(self, key: str) -> list[Version]:
        self._refresh()
        return self.index.versions(key)

    def latest(self, key: str) -> Version | None:
        self._refresh()
        return self.index.latest(key)

    def keys(self, prefix: str = "") -> list[str]:
        self._refresh()
        return self.index.keys(prefix)

    # ---- reading -----------------------------------------------------------------------------
    def get(self, key: str, version: int | None = None) -> bytes:
        history = self.history(key)
        if not history:
            raise StoreError(f"no object {key!r} in {self.uri}")
        chosen = history[-1] if version is None else next((v for v in history if v.version == version), None)
        if chosen is None:
            raise StoreError(f"{key!r} has no version {version} (latest is {history[-1].version})")
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._object_key(key)}
        if chosen.backend_id and chosen.backend_id != "null":
            kwargs["VersionId"] = chosen.backend_id
        try:
            data = bytes(self._call(self.client.get_object, **kwargs)["Body"].read())
        except ClientError as exc:
            raise StoreError(f"{key!r} v{chosen.version} ({chosen.backend_id}): {exc}") from exc
        if sha256_hex(data) != chosen.sha256:
            # Only possible in an unversioned bucket (overwritten) or after tampering: never hand out
            # bytes that are not the recorded version.
            raise StoreError(f"{key!r} v{chosen.version}: stored bytes do not match the ledger's sha256")
        return data

    # ---- writing -----------------------------------------------------------------------------
    def _ensure_writable(self) -> None:
        if self._writable:
            return
        try:
            self._call(self.client.head_bucket, Bucket=self.bucket)
        except ClientError as exc:
            if _status(exc) != 404:
                raise StoreError(f"{self.uri}: cannot use bucket {self.bucket!r}: {exc}") from exc
            self._create_bucket()
        status = self._versioning()
        for pause in CREATOR_WAIT if status is None else ():
            # Never enabled may be a bucket another writer has just created and not yet versioned (two
            # workers starting on a fresh archive): give its creator a moment before refusing.
            time.sleep(pause)
            if (status := self._versioning()) is not None:
                break
        if status != "Enabled":
            if not self.allow_unversioned:
                raise StoreError(
                    f"bucket {self.bucket!r} has versioning {status or 'never enabled'}: writing would overwrite "
                    "archived versions. Enable versioning on the bucket, or accept the risk with "
                    f"{self.uri}?allow_unversioned=1 or NIANBAO_S3_ALLOW_UNVERSIONED=1"
                )
            logger.warning("%s: bucket versioning is %s; old versions can be overwritten", self.uri, status)
        self._writable = True

    def _versioning(self) -> str | None:
        """The bucket's versioning status: "Enabled", "Suspended", or None (never enabled)."""
        return self._call(self.client.get_bucket_versioning, Bucket=self.bucket).get("Status")

    def _create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        region = self.client.meta.region_name
        if region and region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._call(self.client.create_bucket, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise StoreError(f"{self.uri}: cannot create bucket: {exc}") from exc
        self._call(self.client.put_bucket_versioning, Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        logger.info("%s: created bucket %s with versioning enabled", self.uri, self.bucket)

    def _metadata(
        self, sha256: str, source_url: str | None, fetched_at: str | None, meta: Mapping[str, Any]
    ) -> dict[str, str]:
        fields = {
            "sha256": sha256,
            "fetched-at": fetched_at,
            "last-modified": meta.get("last_modified"),
            "etag": meta.get("etag"),
            "source-url": source_url,
        }
        out: dict[str, str] = {}
        used = 0
        for name, value in fields.items():
            if value is None or value == "":
                continue
            text = meta_value(value)
            if used + len(name) + len(text) > _META_BUDGET:
                # A monstrous URL must not make the put fail: the ledger keeps it in full.
                text = text[: max(0, _META_BUDGET - used - len(name) - 3)] + "..."
            out[name] = text
            used += len(name) + len(text)
        return out

    def _upload(self, key: str, data: bytes, metadata: dict[str, str], content_type: str | None) -> str | None:
        extra: dict[str, Any] = {"Metadata": metadata}
        if content_type:
            extra["ContentType"] = content_type
        target = {"Bucket": self.bucket, "Key": self._object_key(key)}
        if len(data) < MULTIPART_THRESHOLD:
            return self._call(self.client.put_object, Body=data, **target, **extra).get("VersionId")
        upload_id = self._call(self.client.create_multipart_upload, **target, **extra)["UploadId"]
        try:
            parts = []
            for number, start in enumerate(range(0, len(data), PART_SIZE), 1):
                part = self._call(
                    self.client.upload_part,
                    **target,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=data[start : start + PART_SIZE],
                )
                parts.append({"PartNumber": number, "ETag": part["ETag"]})
            done = self._call(
                self.client.complete_multipart_upload,
                **target,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
            return done.get("VersionId")
        except BaseException:
            try:  # a failed upload must not leave parts behind (they are invisible, but cost space)
                self.client.abort_multipart_upload(**target, UploadId=upload_id)
            except (BotoCoreError, ClientError):
                logger.warning("%s: could not abort multipart upload of %s", self.uri, key)
            raise

    def _orphan(self, key: str, sha256: str) -> str | None:
        """The VersionId of the key's current object if it holds these bytes but no ledger entry lists it
        (a crash between upload and ledger entry): adopting it avoids a duplicate S3 version."""
        try:
            head = self._call(self.client.head_object, Bucket=self.bucket, Key=self._object_key(key))
        except ClientError:
            return None
        vid = head.get("VersionId")
        if head.get("Metadata", {}).get("sha256") != sha256 or not vid or vid == "null":
            return None
        known = {v.backend_id for v in self.index.versions(key)}
        return None if vid in known else vid

    def _put_remote(
        self,
        key: str,
        data: bytes,
        sha256: str,
        content_type: str | None,
        source_url: str | None,
        fetched_at: str | None,
        meta: Mapping[str, Any],
    ) -> PutResult:
        self._ensure_writable()
        self._refresh()
        latest = self.index.latest(key)
        if latest is not None and latest.sha256 == sha256:
            return PutResult(latest, created=False)
        vid = self._orphan(key, sha256)
        if vid is None:
            vid = self._upload(key, data, self._metadata(sha256, source_url, fetched_at, meta), content_type)
            if not vid or vid == "null":
                if not self.allow_unversioned:
                    raise StoreError(f"{self.uri}: the server returned no VersionId for {key!r}; is versioning on?")
                vid = None
        while True:
            with self._state_lock:
                self._refresh()
                latest = self.index.latest(key)
                if latest is not None and latest.sha256 == sha256:
                    return PutResult(latest, created=False)  # a concurrent writer stored the same bytes
                seq = len(self.index)
                version = Version(
                    key=key,
                    version=(latest.version + 1) if latest else 1,
                    sha256=sha256,
                    size=len(data),
                    stored_at=utcnow(),
                    content_type=content_type,
                    source_url=source_url,
                    fetched_at=fetched_at,
                    meta=dict(meta),
                    backend_id=vid,
                )
                entry = {**version.to_json(), "seq": seq}
                entry["chain"] = chain_hash(self._chain, entry)
                body = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
                try:
                    self._call(
                        self.client.put_object,
                        Bucket=self.bucket,
                        Key=self._ledger_name(seq),
                        Body=body,
                        ContentType="application/json",
                        IfNoneMatch="*",
                    )
                except ClientError as exc:
                    if _status(exc) not in (409, 412):
                        raise
                    # Someone claimed this sequence number first -- or we did, and the answer was lost and
                    # the SDK retried: then the entry there is exactly ours.
                    self._refresh()
                    if len(self.index) > seq and self.index[seq] == version:
                        return PutResult(version, created=True)
                    continue
                self._refresh()
                return PutResult(version, created=True)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        source_url: str | None = None,
        fetched_at: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> PutResult:
        key = self.check_key(key)
        # One writer of a key at a time among all that share the catalog: a second writer of the same
        # bytes then finds them stored instead of uploading an S3 version no ledger entry would name.
        with self.index.key_lock(key):
            return self._put_remote(key, data, sha256_hex(data), content_type, source_url, fetched_at, dict(meta or {}))

    # ---- verification ------------------------------------------------------------------------
    def read_ledger(self) -> list[Version]:
        """Every ledger entry, read from the bucket itself (not the catalog): ``verify``."""
        names: list[str] = []
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._ledger_prefix}
        while True:
            page = self._call(self.client.list_objects_v2, **kwargs)
            names += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".json")]
            if not page.get("IsTruncated"):
                break
            kwargs["ContinuationToken"] = page["NextContinuationToken"]
        found: list[Version] = []
        with ThreadPoolExecutor(max_workers=16) as pool:
            for body in pool.map(self._read_ledger_object, names):
                try:
                    found.append(Version.from_json(json.loads(body)))
                except (ValueError, TypeError):
                    continue  # verify_chain reports the entry
        return found

    def orphan_versions(self) -> tuple[list[str], list[str]]:
        """S3 versions of archive objects that no ledger entry names: (problems, notes).

        A version whose bytes re-hash to the sha256 nianbao put in its metadata was uploaded by a writer
        that died before its ledger entry (kill -9, power cut): never part of the history, harmless, a
        note. Anything else (no such metadata, other bytes) was put into the bucket behind the archive's
        back: a problem."""
        known = self.index.backend_ids()
        problems: list[str] = []
        notes: list[str] = []
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.prefix:
            kwargs["Prefix"] = self.prefix + "/"
        while True:
            page = self._call(self.client.list_object_versions, **kwargs)
            for item in page.get("Versions", []):
                name, vid = item["Key"], item.get("VersionId")
                key = name[len(self.prefix) + 1 :] if self.prefix else name
                if key.split("/", 1)[0] == LEDGER or (key, vid) in known:
                    continue
                what = f"{key}: orphan S3 version {vid} ({item.get('Size')} B, {item.get('LastModified')})"
                got = self._call(self.client.get_object, Bucket=self.bucket, Key=name, VersionId=vid)
                if got.get("Metadata", {}).get("sha256") == sha256_hex(got["Body"].read()):
                    notes.append(f"{what}: an upload whose ledger entry was never written (a writer died); harmless")
                else:
                    problems.append(f"{what}: no ledger entry names it")
            if not page.get("IsTruncated"):
                break
            kwargs["KeyMarker"] = page.get("NextKeyMarker")
            kwargs["VersionIdMarker"] = page.get("NextVersionIdMarker")
        return problems, notes

    def verify_chain(self) -> list[str]:
        """Problems with the ledger (empty when intact): broken chain, gaps, rewritten entries."""
        self._refresh()
        problems: list[str] = []
        chain = GENESIS
        names: list[str] = []
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._ledger_prefix}
        while True:
            page = self._call(self.client.list_objects_v2, **kwargs)
            names += [o["Key"] for o in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                break
            kwargs["ContinuationToken"] = page["NextContinuationToken"]
        with ThreadPoolExecutor(max_workers=16) as pool:
            bodies = list(pool.map(self._read_ledger_object, names))
        for n, (name, body) in enumerate(zip(names, bodies, strict=True)):
            try:
                entry = json.loads(body)
            except ValueError:
                problems.append(f"ledger entry {name}: not JSON")
                continue
            if name != self._ledger_name(n) or entry.get("seq") != n:
                problems.append(f"ledger entry {name}: expected sequence number {n} (an entry is missing)")
            expected = chain_hash(chain, entry)
            if entry.get("chain") != expected:
                problems.append(f"ledger entry {name} ({entry.get('key')} v{entry.get('version')}): chain broken")
            chain = entry.get("chain", expected)
        problems += self._rewritten_ledger_entries()
        return problems

    def _rewritten_ledger_entries(self) -> list[str]:
        """Ledger objects with more than one S3 version: someone overwrote history (the bucket kept it)."""
        counts: dict[str, int] = defaultdict(int)
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._ledger_prefix}
        while True:
            page = self._call(self.client.list_object_versions, **kwargs)
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                counts[item["Key"]] += 1
            if not page.get("IsTruncated"):
                break
            kwargs["KeyMarker"] = page.get("NextKeyMarker")
            kwargs["VersionIdMarker"] = page.get("NextVersionIdMarker")
        return [
            f"ledger entry {name} was overwritten or deleted ({n} S3 versions)"
            for name, n in sorted(counts.items())
            if n > 1
        ]

    def check_metadata(self, version: Version) -> str | None:
        """A problem with the object's own metadata for ``version`` (None when it matches the ledger)."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._object_key(version.key)}
        if version.backend_id:
            kwargs["VersionId"] = version.backend_id
        try:
            head = self._call(self.client.head_object, **kwargs)
        except ClientError as exc:
            return f"{version.key} v{version.version}: object version {version.backend_id} missing ({exc})"
        recorded = head.get("Metadata", {}).get("sha256")
        if recorded != version.sha256:
            return f"{version.key} v{version.version}: object metadata sha256 {recorded} != ledger {version.sha256}"
        if head.get("ContentLength") != version.size:
            return f"{version.key} v{version.version}: size {head.get('ContentLength')} != ledger {version.size}"
        return None
